package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every served kind and subresource, every method and every path shape (namespaced and cluster,
 * collection, object, subresource, the deprecated watch/ prefix) against upstream's routing table,
 * asked anonymously: a path upstream does not serve is 404 and a method it does not take there is
 * 405, both before authorization; everything upstream routes reaches the authorizer, which refuses
 * the anonymous user (403). A namespaced path for a cluster-scoped kind can therefore never be
 * authorized in the namespace it names.
 *
 * <p>The expected table is built the way upstream's API installer registers routes, from each
 * kind's scope and verbs as discovery lists them, and a request matches a route the way its router
 * does: path first (any route of the group version), then method.
 */
class RoutingTableTest extends AdminServerTest {
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static Https anonymous;

    enum Expect { NO_ROUTE, NOT_ALLOWED, ROUTED }

    record Kind(String prefix, String resource, boolean namespaced, Set<String> verbs, Map<String, Set<String>> subresources) {}

    /** A route as upstream registers it: a method at a path under the group version, "{}" for one segment of any value. */
    record Template(String method, List<String> segments) {
        boolean matches(List<String> path) {
            if (path.size() != segments.size()) return false;
            for (int i = 0; i < path.size(); i++) {
                if (!segments.get(i).equals("{}") && !segments.get(i).equals(path.get(i))) return false;
            }
            return true;
        }
    }

    @BeforeAll
    static void anonymousClient() throws Exception {
        anonymous = server.anonymous();
    }

    @Test
    void everyKindMethodAndPathShapeIsRoutedAsUpstreamRoutesIt() throws Exception {
        List<Kind> kinds = servedKinds();
        assertThat(kinds).extracting(Kind::resource)
                .contains("namespaces", "configmaps", "pods", "serviceaccounts", "clusterroles", "roles", "subjectaccessreviews",
                        "localsubjectaccessreviews", "tokenreviews", "selfsubjectreviews", "leases");
        Map<String, List<Template>> table = new LinkedHashMap<>();
        for (Kind k : kinds) table.computeIfAbsent(k.prefix(), p -> new ArrayList<>()).addAll(templates(k));

        List<String> wrong = new ArrayList<>();
        int asked = 0;
        Map<Expect, Integer> seen = new LinkedHashMap<>();
        for (Kind k : kinds) {
            for (String path : paths(k)) {
                List<String> segments = List.of(path.split("/"));
                for (String method : METHODS) {
                    Expect want = expect(table.get(k.prefix()), method, segments);
                    seen.merge(want, 1, Integer::sum);
                    String uri = k.prefix() + "/" + path;
                    Response r = anonymous.send(method, uri, null, null);
                    asked++;
                    if (!answers(r, want)) wrong.add(method + " " + uri + ": want " + want + ", got " + r.status() + " " + r.text());
                    if (method.equals("GET") && !path.contains("watch/")) {
                        r = anonymous.get(uri + "?watch=true");
                        asked++;
                        if (!answers(r, want)) wrong.add("GET " + uri + "?watch=true: want " + want + ", got " + r.status() + " " + r.text());
                    }
                }
            }
        }
        assertThat(wrong).as("requests answered against upstream's routing table (of %d)", asked).isEmpty();
        assertThat(seen.keySet()).as("the table exercises each outcome").containsExactlyInAnyOrder(Expect.values());
    }

    private static boolean answers(Response r, Expect want) {
        return switch (want) {
            case NO_ROUTE -> r.status() == 404 && r.json().path("message").asString()
                    .equals("the server could not find the requested resource");
            case NOT_ALLOWED -> r.status() == 405 && r.json().path("reason").asString().equals("MethodNotAllowed");
            case ROUTED -> r.status() == 403 && r.json().path("reason").asString().equals("Forbidden");
        };
    }

    static Expect expect(List<Template> table, String method, List<String> path) {
        List<Template> matching = table.stream().filter(t -> t.matches(path)).toList();
        if (matching.isEmpty()) return Expect.NO_ROUTE;
        return matching.stream().anyMatch(t -> t.method().equals(method)) ? Expect.ROUTED : Expect.NOT_ALLOWED;
    }

    /** Upstream's installer: the routes a kind of this scope and these verbs gets. */
    static List<Template> templates(Kind k) {
        List<Template> out = new ArrayList<>();
        String scope = k.namespaced() ? "namespaces/{}/" : "";
        String collection = scope + k.resource();
        String object = collection + "/{}";
        boolean lists = k.verbs().contains("list");
        boolean watches = k.verbs().contains("watch");
        if (lists) add(out, "GET", collection);
        if (lists && watches) add(out, "GET", "watch/" + collection);
        if (k.namespaced() && lists) add(out, "GET", k.resource());
        if (k.namespaced() && lists && watches) add(out, "GET", "watch/" + k.resource());
        if (k.verbs().contains("create")) add(out, "POST", collection);
        if (k.verbs().contains("deletecollection")) add(out, "DELETE", collection);
        if (k.verbs().contains("get")) add(out, "GET", object);
        if (k.verbs().contains("update")) add(out, "PUT", object);
        if (k.verbs().contains("patch")) add(out, "PATCH", object);
        if (k.verbs().contains("delete")) add(out, "DELETE", object);
        if (watches) add(out, "GET", "watch/" + object);
        k.subresources().forEach((sub, verbs) -> {
            for (String v : verbs) {
                add(out, switch (v) {
                    case "get" -> "GET";
                    case "create" -> "POST";
                    case "update" -> "PUT";
                    case "patch" -> "PATCH";
                    default -> throw new AssertionError("subresource verb " + v);
                }, object + "/" + sub);
            }
        });
        return out;
    }

    private static void add(List<Template> out, String method, String path) {
        out.add(new Template(method, List.of(path.split("/"))));
    }

    /** Both path shapes of every level of a kind, under the watch prefix too, with an unknown subresource. */
    static List<String> paths(Kind k) {
        List<String> out = new ArrayList<>();
        for (String scope : List.of("", "namespaces/routing/")) {
            String collection = scope + k.resource();
            out.add(collection);
            out.add(collection + "/absent");
            for (String sub : k.subresources().keySet()) out.add(collection + "/absent/" + sub);
            out.add(collection + "/absent/nosuch");
            out.add("watch/" + collection);
            out.add("watch/" + collection + "/absent");
            out.add("watch/" + collection + "/absent/status");
        }
        return out;
    }

    /** The kinds discovery lists, with their subresources. */
    private static List<Kind> servedKinds() throws Exception {
        List<String> groupVersions = new ArrayList<>(List.of("/api/v1"));
        for (JsonNode g : https.get("/apis").json().path("groups")) {
            for (JsonNode v : g.path("versions")) groupVersions.add("/apis/" + v.path("groupVersion").asString());
        }
        List<Kind> kinds = new ArrayList<>();
        for (String gv : groupVersions) {
            JsonNode resources = https.get(gv).json().path("resources");
            for (JsonNode r : resources) {
                String name = r.path("name").asString();
                if (name.contains("/")) continue;
                Map<String, Set<String>> subs = new LinkedHashMap<>();
                for (JsonNode s : resources) {
                    String sub = s.path("name").asString();
                    if (sub.startsWith(name + "/")) subs.put(sub.substring(name.length() + 1), verbs(s));
                }
                kinds.add(new Kind(gv, name, r.path("namespaced").asBoolean(), verbs(r), subs));
            }
        }
        return kinds;
    }

    private static Set<String> verbs(JsonNode resource) {
        Set<String> out = new TreeSet<>();
        for (JsonNode v : resource.path("verbs")) out.add(v.asString());
        return out;
    }
}
