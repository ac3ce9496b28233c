package io.portcullis.server;

import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.request.RequestInfo;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upstream's routing table for the served kinds, consulted once for every resource request after
 * authentication and before anything asks the authorizer. A path of a shape the kind is not served
 * at is 404: a namespaced path for a cluster-scoped kind, an object path under the all-namespaces
 * collection, an object path of a create-only kind, an unknown subresource. A served path with a
 * method it does not take is 405. What passes has its scope settled: the namespace the request is
 * authorized in is the one it acts in.
 */
final class Router {
    private final Map<String, Served> routes = new HashMap<>();

    /** A route and the HTTP methods each path shape of its kind takes, worked out once. */
    private record Served(Route route, Set<String> collection, Set<String> object, Set<String> watch, Set<String> allNamespaces,
                          Map<String, Set<String>> subresources) {
        static Served of(Route r) {
            ResourceType t = r.type();
            Set<String> get = Set.of("GET");
            Map<String, Set<String>> subresources = new HashMap<>();
            for (ResourceType.Subresource s : t.subresources()) subresources.putIfAbsent(s.name(), methodsOf(s.verbs()));
            return new Served(r, methodsOf(t.verbs().stream().filter(v -> !OBJECT_VERBS.contains(v)).toList()),
                    methodsOf(t.verbs().stream().filter(OBJECT_VERBS::contains).toList()),
                    t.verbs().contains("watch") ? get : Set.of(), t.verbs().contains("list") ? get : Set.of(), Map.copyOf(subresources));
        }
    }

    Router(List<Route> routes) {
        for (Route r : routes) {
            ResourceType t = r.type();
            if (this.routes.put(key(t.group(), t.version(), t.resource()), Served.of(r)) != null) {
                throw new IllegalArgumentException("two routes for " + t.groupResource());
            }
        }
    }

    /** The route of a resource request; 404 or 405 when the kind is not served at this path with this method. */
    Route route(String method, RequestInfo info) {
        Served served = routes.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
        if (served == null) throw Statuses.notFoundPath();
        Set<String> methods = methods(served, info);
        if (methods.isEmpty()) throw Statuses.notFoundPath();
        if (!methods.contains(method.equals("HEAD") ? "GET" : method)) throw Statuses.methodNotAllowed();
        return served.route();
    }

    /** The HTTP methods a path of this request's shape takes for the kind; empty when no such path exists. */
    private static Set<String> methods(Served served, RequestInfo info) {
        ResourceType t = served.route().type();
        if (info.namespacedPath() && !t.namespaced()) return Set.of();
        boolean allNamespaces = t.namespaced() && !info.namespacedPath();
        if (!info.subresource().isEmpty()) {
            if (allNamespaces || info.watchPath()) return Set.of();
            return served.subresources().getOrDefault(info.subresource(), Set.of());
        }
        if (!info.name().isEmpty()) {
            if (allNamespaces) return Set.of();
            if (info.watchPath()) return served.watch();
            return served.object();
        }
        if (info.watchPath()) return served.watch();
        // every namespace at once: list and watch only
        if (allNamespaces) return served.allNamespaces();
        return served.collection();
    }

    private static final Set<String> OBJECT_VERBS = Set.of("get", "update", "patch", "delete");

    private static Set<String> methodsOf(List<String> verbs) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : verbs) {
            switch (v) {
                case "get", "list", "watch" -> out.add("GET");
                case "create" -> out.add("POST");
                case "update" -> out.add("PUT");
                case "patch" -> out.add("PATCH");
                case "delete", "deletecollection" -> out.add("DELETE");
                default -> { }
            }
        }
        return Set.copyOf(out);
    }

    private static String key(String group, String version, String resource) {
        return group + "/" + version + "/" + resource;
    }
}
