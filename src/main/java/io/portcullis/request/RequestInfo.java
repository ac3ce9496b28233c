package io.portcullis.request;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a request asks, read from its method and URL as kube-apiserver reads it: a resource
 * request (verb, API group and version, namespace, resource, subresource, name) or a plain
 * non-resource path. Query parameters are decoded once here.
 *
 * <p>{@code namespacedPath} tells whether the path named a namespace scope
 * ({@code .../namespaces/<ns>/<resource>...}); {@code namespace} alone cannot, since upstream also
 * sets it to the name of a Namespace object ({@code /api/v1/namespaces/<name>}). {@code watchPath}
 * tells whether the path began with the deprecated {@code watch/} prefix, under which every
 * method is the verb {@code watch}, as upstream. A path with an empty segment ({@code //}) is not
 * a resource request: nothing serves it.
 */
public record RequestInfo(boolean resourceRequest, String verb, String path, String apiPrefix, String apiGroup,
                          String apiVersion, String namespace, String resource, String subresource, String name,
                          boolean namespacedPath, boolean watchPath, Map<String, List<String>> query) {

    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /**
     * The name authorization sees: the path's, or, for a list or watch of a collection, the one
     * name a field selector picks (as upstream, so that RBAC resourceNames can allow it).
     */
    public String authorizedName() {
        if (!name.isEmpty() || !(verb.equals("list") || verb.equals("watch"))) return name;
        String fs = param("fieldSelector");
        return fs == null ? "" : singleNameSelector(fs);
    }

    /** The first value of a query parameter, or null. */
    public String param(String key) {
        List<String> v = query.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public static RequestInfo resolve(String method, String uri) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Map<String, List<String>> query = parseQuery(q < 0 ? "" : uri.substring(q + 1));
        String lower = method.toLowerCase(java.util.Locale.ROOT);
        List<String> parts = split(path);
        if (parts == null || parts.size() < 2 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) {
            return nonResource(lower, path, query);
        }
        String prefix = parts.get(0);
        int i = 1;
        String group = "";
        if (prefix.equals("apis")) {
            if (parts.size() < 3) return nonResource(lower, path, query);
            group = parts.get(1);
            i = 2;
        }
        String version = parts.get(i++);
        List<String> rest = new ArrayList<>(parts.subList(i, parts.size()));
        if (rest.isEmpty()) return nonResource(lower, path, query);

        boolean watchPath = false;
        if (rest.get(0).equals("watch")) {
            rest.remove(0);
            watchPath = true;
            if (rest.isEmpty()) return nonResource(lower, path, query);
        }
        // as upstream: under watch/ every method is a watch (routing then refuses all but GET)
        String verb = watchPath ? "watch" : switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
        String namespace = "";
        boolean namespacedPath = false;
        if (rest.get(0).equals("namespaces")) {
            if (rest.size() > 1) {
                namespace = rest.get(1);
                if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                    rest = rest.subList(2, rest.size());
                    namespacedPath = true;
                }
            }
        }
        String resource = rest.get(0);
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 ? rest.get(2) : "";
        if (rest.size() > 3) {
            // deeper paths (proxy-style) are not served; keep the whole rest as subresource so routing refuses them
            subresource = String.join("/", rest.subList(2, rest.size()));
        }

        if (verb.equals("get") && name.isEmpty()) {
            String w = first(query, "watch");
            verb = w != null && !w.equals("0") && !w.equals("false") ? "watch" : "list";
        } else if (verb.equals("delete") && name.isEmpty()) {
            verb = "deletecollection";
        }
        return new RequestInfo(true, verb, path, prefix, group, version, namespace, resource, subresource, name,
                namespacedPath, watchPath, query);
    }

    private static RequestInfo nonResource(String verb, String path, Map<String, List<String>> query) {
        return new RequestInfo(false, verb, path, "", "", "", "", "", "", "", false, false, query);
    }

    /** As upstream: a field selector naming exactly one object by metadata.name authorizes as that name. */
    private static String singleNameSelector(String selector) {
        String s = selector.strip();
        if (s.contains(",")) return "";
        for (String op : new String[] {"==", "="}) {
            int at = s.indexOf(op);
            if (at > 0 && s.indexOf("!=") < 0) {
                String key = s.substring(0, at).strip();
                String value = s.substring(at + op.length()).strip();
                return key.equals("metadata.name") ? value : "";
            }
        }
        return "";
    }

    /** The segments of an absolute path (a trailing slash allowed, as upstream), or null when one is empty. */
    private static List<String> split(String path) {
        if (!path.startsWith("/")) return null;
        String p = path.substring(1);
        if (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        List<String> out = new ArrayList<>();
        if (p.isEmpty()) return out;
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty()) return null;
            out.add(segment);
        }
        return out;
    }

    private static String first(Map<String, List<String>> q, String key) {
        List<String> v = q.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    static Map<String, List<String>> parseQuery(String raw) {
        if (raw.isEmpty()) return Map.of();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    @Override
    public String toString() {
        return resourceRequest ? verb + " " + Arrays.asList(apiGroup, apiVersion, namespace, resource, subresource, name) : verb + " " + path;
    }
}
