package io.portcullis.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import java.util.List;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ItemTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            metadata first             | {"metadata":{"name":"a"},"data":{"k":"v"}}
            metadata after other keys  | {"apiVersion":"v1","kind":"ConfigMap","data":{"metadata":"x"},"metadata":{"name":"a"}}
            nested metadata before     | {"spec":{"template":{"metadata":{"name":"inner"}}},"metadata":{"name":"a"}}
            empty metadata             | {"kind":"X","metadata":{}}
            no metadata                | {"kind":"X"}
            text that looks like it    | {"data":{"k":"\\"metadata\\":{"},"metadata":{"name":"a"}}
            """)
    void theResourceVersionLandsInTheTopLevelMetadataOnly(String name, String stored) {
        Item item = Item.stored("/registry/core/configmaps/ns1/a", stored.getBytes(StandardCharsets.UTF_8), 42);
        var tree = Json.objectTree(item.json());
        assertThat(tree.path("metadata").path("resourceVersion").asString()).isEqualTo("42");
        tree.withObject("metadata").remove("resourceVersion");
        if (tree.path("metadata").isEmpty() && !stored.contains("\"metadata\":{}")) tree.remove("metadata");
        assertThat(tree).isEqualTo(Json.objectTree(stored.getBytes(StandardCharsets.UTF_8)));
        assertThat(item.namespace()).isEqualTo("ns1");
        assertThat(item.name()).isEqualTo("a");
        assertThat(item.object().path("metadata").path("resourceVersion").asString()).isEqualTo("42");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /registry/core/namespaces/default                         | ''  | default
            /registry/rbac.authorization.k8s.io/roles/ns/r:x          | ns  | r:x
            /registry/rbac.authorization.k8s.io/clusterroles/system:a | ''  | system:a
            """)
    void namespaceAndNameComeFromTheKey(String key, String namespace, String name) {
        Item item = Item.stored(key, "{\"metadata\":{}}".getBytes(StandardCharsets.UTF_8), 1);
        assertThat(item.namespace()).isEqualTo(namespace);
        assertThat(item.name()).isEqualTo(name);
    }

    @Test
    void anUnreadableItemKeepsItsPlaceButEveryReadOfItFailsWithTheReason() {
        Item item = Item.unreadable("/registry/core/secrets/ns1/s1", 7, "unable to decrypt secrets \"s1\" in namespace \"ns1\": why");
        assertThat(item.namespace()).isEqualTo("ns1");
        assertThat(item.name()).isEqualTo("s1");
        assertThat(item.revision()).isEqualTo(7);
        for (Runnable read : List.<Runnable>of(item::json, item::object)) {
            ApiException e = catchThrowableOfType(ApiException.class, read::run);
            assertThat(e.status().getCode()).isEqualTo(500);
            assertThat(e.status().getReason()).isEqualTo("InternalError");
            assertThat(e.status().getMessage()).isEqualTo("Internal error occurred: unable to decrypt secrets \"s1\" in namespace \"ns1\": why");
        }
    }
}
