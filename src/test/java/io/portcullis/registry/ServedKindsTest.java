package io.portcullis.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every served kind describes itself whole: its model, patch schema and protobuf message name the
 * kind, it prints a table, and a subresource of another kind has a handler declared with it.
 */
class ServedKindsTest {
    private static final SubresourceHandler HANDLER = (objects, ctx, ns, name, body, warn) -> body;

    @Test
    void everyStoredKindCarriesEveryPartOfItsDefinition() {
        List<Strategy> stored = ServedKinds.stored(null, HANDLER);
        Set<String> seen = new HashSet<>();
        for (Strategy s : stored) {
            ResourceType t = s.type();
            assertThat(seen.add(t.group() + "/" + t.resource())).as("%s listed once", t.resource()).isTrue();
            assertThat(t.model().getSimpleName()).as("model of %s", t.resource()).isEqualTo(t.kind());
            assertThat(t.protobuf().getDescriptorForType().getName()).as("protobuf message of %s", t.resource()).isEqualTo(t.kind());
            assertThat(t.patchSchema()).as("patch schema of %s", t.resource()).isNotNull();
            assertThat(t.patchSchema().field("metadata")).as("metadata's list strategies in %s", t.resource()).isNotNull();
            assertThat(t.verbs()).as("verbs of %s", t.resource()).contains("get", "list", "watch", "create");
            assertThat(s.columns()).as("table of %s", t.resource()).isNotEmpty();
            for (ResourceType.Subresource sub : t.subresources()) {
                if (sub.kind().equals(t.kind())) {
                    assertThat(s.subresourceHandlers()).as("%s/%s is served by the REST verbs", t.resource(), sub.name()).doesNotContainKey(sub.name());
                } else {
                    assertThat(s.subresourceHandlers()).as("handler of %s/%s", t.resource(), sub.name()).containsKey(sub.name());
                    assertThat(sub.model().getSimpleName()).isEqualTo(sub.kind());
                    assertThat(sub.protobuf().getDescriptorForType().getName()).isEqualTo(sub.kind());
                }
            }
        }
        assertThat(stored).hasSizeGreaterThanOrEqualTo(11);
    }

    @Test
    void everyReviewKindNamesItsModelAndMessage() {
        List<String> kinds = new ArrayList<>();
        for (ResourceType t : ServedKinds.reviews()) {
            assertThat(t.model().getSimpleName()).isEqualTo(t.kind());
            // the project's own kinds are JSON and YAML only, as upstream's custom resources
            if (t.group().endsWith(".portcullis.io")) assertThat(t.protobuf()).isNull();
            else assertThat(t.protobuf().getDescriptorForType().getName()).isEqualTo(t.kind());
            assertThat(t.verbs()).containsExactly("create");
            kinds.add(t.kind());
        }
        assertThat(kinds).contains("TokenReview", "SubjectAccessReview", "LocalSubjectAccessReview", "WhoCanReview", "AccessMatrixReview");
    }
}
