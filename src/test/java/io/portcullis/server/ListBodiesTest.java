package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.storage.cache.Item;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ListBodiesTest {
    private static final byte[] HEAD = "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":["
            .getBytes(StandardCharsets.UTF_8);

    private static Item configMap(String name, long revision) {
        return Item.stored("/registry/configmaps/default/" + name,
                ("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\"}}")
                        .getBytes(StandardCharsets.UTF_8), revision);
    }

    @Test
    void aBodyIsTheHeadThenEveryItemAsStoredInOrder() {
        List<Item> items = List.of(configMap("a", 3), configMap("b", 5));
        JsonNode list = Json.MAPPER.readTree(new ListBodies().body("/registry/configmaps/default/", HEAD, items));
        assertThat(list.path("metadata").path("resourceVersion").asString()).isEqualTo("7");
        assertThat(list.path("items")).hasSize(2);
        assertThat(list.path("items").get(0)).isEqualTo(Json.MAPPER.readTree(items.get(0).json()));
        assertThat(list.path("items").get(1).path("metadata").path("resourceVersion").asString()).isEqualTo("5");
    }

    @Test
    void anEmptyListIsAnEmptyArray() {
        JsonNode list = Json.MAPPER.readTree(new ListBodies().body("/registry/configmaps/default/", HEAD, List.of()));
        assertThat(list.path("items").isArray()).isTrue();
        assertThat(list.path("items")).isEmpty();
    }

    @Test
    void theSameItemsUnderTheSameHeadAreSentAsTheKeptBody() {
        ListBodies bodies = new ListBodies();
        List<Item> items = List.of(configMap("a", 3), configMap("b", 5));
        byte[] first = bodies.body("/registry/configmaps/default/", HEAD, items);
        assertThat(bodies.body("/registry/configmaps/default/", HEAD.clone(), List.copyOf(items))).isSameAs(first);
    }

    @Test
    void aChangedItemOrAnotherHeadBuildsTheBodyAgain() {
        ListBodies bodies = new ListBodies();
        Item a = configMap("a", 3);
        byte[] first = bodies.body("/registry/configmaps/default/", HEAD, List.of(a, configMap("b", 5)));
        byte[] changed = bodies.body("/registry/configmaps/default/", HEAD, List.of(a, configMap("b", 8)));
        assertThat(changed).isNotSameAs(first);
        assertThat(Json.MAPPER.readTree(changed).path("items").get(1).path("metadata").path("resourceVersion").asString()).isEqualTo("8");
        byte[] otherHead = "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"9\"},\"items\":["
                .getBytes(StandardCharsets.UTF_8);
        byte[] later = bodies.body("/registry/configmaps/default/", otherHead, List.of(a, configMap("b", 8)));
        assertThat(Json.MAPPER.readTree(later).path("metadata").path("resourceVersion").asString()).isEqualTo("9");
    }
}
