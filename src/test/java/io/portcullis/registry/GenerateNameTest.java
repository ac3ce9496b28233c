package io.portcullis.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.admission.Admission;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import io.portcullis.storage.cache.WatchCache;
import io.portcullis.storage.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** As upstream's RetryGenerateName: a generated name that is taken is generated afresh, eight attempts in all. */
class GenerateNameTest {
    @TempDir Path dir;
    private SqliteStore store;
    private WatchCache cache;
    private final Context admin = Context.of(UserInfo.of("admin", "system:masters"));

    private ObjectStore objects(List<String> names) {
        store = SqliteStore.open(dir.resolve("store.db"));
        cache = WatchCache.start(store);
        Iterator<String> next = names.iterator();
        return new ObjectStore(store, cache, Admission.none(), List.of(ConfigMapKind.definition()), prefix -> prefix + next.next());
    }

    @AfterEach
    void close() {
        if (cache != null) cache.close();
        if (store != null) store.close();
    }

    @Test
    void aTakenGeneratedNameIsGeneratedAfresh() {
        ObjectStore objects = objects(List.of("aaaaa", "aaaaa", "bbbbb"));
        Strategy cms = objects.strategy("", "configmaps");
        assertThat(name(objects.create(admin, cms, "default", generated()))).isEqualTo("x-aaaaa");
        assertThat(name(objects.create(admin, cms, "default", generated()))).isEqualTo("x-bbbbb");
    }

    @Test
    void afterEightTakenNamesTheConflictIsReported() {
        ObjectStore objects = objects(java.util.Collections.nCopies(9, "aaaaa"));
        Strategy cms = objects.strategy("", "configmaps");
        objects.create(admin, cms, "default", generated());
        assertThatThrownBy(() -> objects.create(admin, cms, "default", generated()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(409));
    }

    @Test
    void aNameTheClientChoseIsNeverChanged() {
        ObjectStore objects = objects(List.of());
        Strategy cms = objects.strategy("", "configmaps");
        ObjectNode named = Json.object();
        named.putObject("metadata").put("name", "fixed");
        objects.create(admin, cms, "default", named.deepCopy());
        assertThatThrownBy(() -> objects.create(admin, cms, "default", named.deepCopy()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason()).isEqualTo("AlreadyExists"));
    }

    private static ObjectNode generated() {
        ObjectNode o = Json.object();
        o.putObject("metadata").put("generateName", "x-");
        return o;
    }

    private static String name(ObjectNode o) {
        return o.path("metadata").path("name").asString();
    }
}
