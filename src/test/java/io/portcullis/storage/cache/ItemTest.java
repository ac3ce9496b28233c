package io.portcullis.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
            metadata first, spaced     | { "metadata" : { "name" : "a" } , "data" : {} }
            metadata first, empty      | {"metadata":{ },"kind":"X"}
            labels first in metadata   | {"metadata":{"labels":{"app":"x"},"name":"a"}}
            escaped first field        | {"metadata":{"na\\u006de":"a"}}
            number first in metadata   | {"metadata":{"generation":1,"name":"a"}}
            """)
    void theResourceVersionLandsInTheTopLevelMetadataOnly(String name, String stored) {
        Item item = Item.stored("/registry/configmaps/ns1/a", stored.getBytes(StandardCharsets.UTF_8), 42);
        var tree = Json.objectTree(item.json());
        assertThat(tree.path("metadata").path("resourceVersion").asString()).isEqualTo("42");
        tree.withObject("metadata").remove("resourceVersion");
        if (tree.path("metadata").isEmpty() && !stored.replace(" ", "").contains("\"metadata\":{}")) tree.remove("metadata");
        assertThat(tree).isEqualTo(Json.objectTree(stored.getBytes(StandardCharsets.UTF_8)));
        assertThat(item.namespace()).isEqualTo("ns1");
        assertThat(item.name()).isEqualTo("a");
        assertThat(item.object().path("metadata").path("resourceVersion").asString()).isEqualTo("42");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            metadata first             | {"metadata":{"name":"a","uid":"u"},"data":{"k":"v"}}
            metadata after other keys  | {"apiVersion":"v1","data":{"metadata":"x"},"metadata":{"name":"a","ownerReferences":[{"uid":"o"}]}}
            nested metadata before     | {"spec":{"template":{"metadata":{"name":"inner"}}},"metadata":{"name":"a"}}
            no metadata                | {"kind":"X"}
            """)
    void theMetadataFieldsAskedForAreTheTopLevelOnesWhetherOrNotTheObjectWasParsed(String name, String stored) {
        Item item = Item.stored("/registry/configmaps/ns1/a", stored.getBytes(StandardCharsets.UTF_8), 42);
        var metadata = Json.objectTree(item.json()).path("metadata");
        var want = Json.object();
        for (String f : List.of("uid", "ownerReferences")) if (metadata.has(f)) want.set(f, metadata.get(f));
        assertThat(item.metadata("uid", "ownerReferences")).isEqualTo(want);
        item.object();
        assertThat(item.metadata("uid", "ownerReferences").path("uid")).isEqualTo(metadata.path("uid"));
        assertThat(item.metadata("uid", "ownerReferences").path("ownerReferences")).isEqualTo(metadata.path("ownerReferences"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /registry/namespaces/default                       | ''  | default
            /registry/roles/ns/r:x                             | ns  | r:x
            /registry/clusterroles/system:a                    | ''  | system:a
            /registry/example.com/widgets/ns/w                 | ns  | w
            /registry/example.com/clusterwidgets/w             | ''  | w
            """)
    void namespaceAndNameComeFromTheKey(String key, String namespace, String name) {
        Item item = Item.stored(key, "{\"metadata\":{}}".getBytes(StandardCharsets.UTF_8), 1);
        assertThat(item.namespace()).isEqualTo(namespace);
        assertThat(item.name()).isEqualTo(name);
    }
}
