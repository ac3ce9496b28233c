package io.portcullis.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Discovery documents, legacy (APIVersions, APIGroupList, APIResourceList) and aggregated (apidiscovery.k8s.io/v2). */
public final class Discovery {
    public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private final Map<String, List<ResourceType>> byGroupVersion = new LinkedHashMap<>();

    public Discovery(List<ResourceType> types) {
        for (ResourceType t : types) byGroupVersion.computeIfAbsent(t.apiVersion(), k -> new ArrayList<>()).add(t);
    }

    public List<String> groupVersions() {
        return List.copyOf(byGroupVersion.keySet());
    }

    public List<ResourceType> resources(String groupVersion) {
        return byGroupVersion.getOrDefault(groupVersion, List.of());
    }

    private List<String> groups() {
        List<String> out = new ArrayList<>();
        for (String gv : byGroupVersion.keySet()) {
            int slash = gv.indexOf('/');
            if (slash > 0 && !out.contains(gv.substring(0, slash))) out.add(gv.substring(0, slash));
        }
        return out;
    }

    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode n = Json.object();
        n.put("kind", "APIVersions");
        n.putArray("versions").add("v1");
        ObjectNode addr = n.putArray("serverAddressByClientCIDRs").addObject();
        addr.put("clientCIDR", "0.0.0.0/0");
        addr.put("serverAddress", serverAddress);
        return n;
    }

    public ObjectNode groupList() {
        ObjectNode n = Json.object();
        n.put("kind", "APIGroupList");
        n.put("apiVersion", "v1");
        ArrayNode groups = n.putArray("groups");
        for (String g : groups()) groups.add(group(g));
        return n;
    }

    /** The APIGroup document of a named group, or null when it is not served. */
    public ObjectNode group(String group) {
        List<String> versions = new ArrayList<>();
        for (String gv : byGroupVersion.keySet()) if (gv.startsWith(group + "/")) versions.add(gv.substring(group.length() + 1));
        if (versions.isEmpty()) return null;
        ObjectNode n = Json.object();
        n.put("kind", "APIGroup");
        n.put("apiVersion", "v1");
        n.put("name", group);
        ArrayNode vs = n.putArray("versions");
        for (String v : versions) {
            ObjectNode o = vs.addObject();
            o.put("groupVersion", group + "/" + v);
            o.put("version", v);
        }
        ObjectNode pref = n.putObject("preferredVersion");
        pref.put("groupVersion", group + "/" + versions.get(0));
        pref.put("version", versions.get(0));
        return n;
    }

    /** The APIResourceList of a group/version, or null when it is not served. */
    public ObjectNode resourceList(String groupVersion) {
        List<ResourceType> types = byGroupVersion.get(groupVersion);
        if (types == null) return null;
        ObjectNode n = Json.object();
        n.put("kind", "APIResourceList");
        n.put("apiVersion", "v1");
        n.put("groupVersion", groupVersion);
        ArrayNode rs = n.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = rs.addObject();
            r.put("name", t.resource());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            strings(r.putArray("verbs"), t.verbs());
            if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
            if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
            if (t.stored()) r.put("storageVersionHash", storageVersionHash(t.group(), t.version(), t.kind()));
            for (ResourceType.Subresource s : t.subresources()) {
                ObjectNode sr = rs.addObject();
                sr.put("name", t.resource() + "/" + s.name());
                sr.put("singularName", "");
                sr.put("namespaced", t.namespaced());
                if (!s.group().equals(t.group()) || !s.version().equals(t.version())) {
                    sr.put("group", s.group());
                    sr.put("version", s.version());
                }
                sr.put("kind", s.kind());
                strings(sr.putArray("verbs"), s.verbs());
            }
        }
        return n;
    }

    /** The aggregated document of /api (core) or /apis (named groups). */
    public ObjectNode aggregated(boolean core, String apiVersion) {
        ObjectNode n = Json.object();
        n.put("kind", "APIGroupDiscoveryList");
        n.put("apiVersion", apiVersion);
        n.putObject("metadata");
        ArrayNode items = n.putArray("items");
        if (core) {
            items.add(aggregatedGroup("", List.of("v1")));
        } else {
            for (String g : groups()) {
                List<String> versions = new ArrayList<>();
                for (String gv : byGroupVersion.keySet()) if (gv.startsWith(g + "/")) versions.add(gv.substring(g.length() + 1));
                items.add(aggregatedGroup(g, versions));
            }
        }
        return n;
    }

    private ObjectNode aggregatedGroup(String group, List<String> versions) {
        ObjectNode item = Json.object();
        item.putObject("metadata").put("name", group);
        ArrayNode vs = item.putArray("versions");
        for (String v : versions) {
            ObjectNode vo = vs.addObject();
            vo.put("version", v);
            vo.put("freshness", "Current");
            ArrayNode rs = vo.putArray("resources");
            for (ResourceType t : byGroupVersion.get(group.isEmpty() ? v : group + "/" + v)) {
                ObjectNode r = rs.addObject();
                r.put("resource", t.resource());
                gvk(r.putObject("responseKind"), t.group(), t.version(), t.kind());
                r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
                r.put("singularResource", t.singular());
                strings(r.putArray("verbs"), t.verbs());
                if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
                if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
                if (!t.subresources().isEmpty()) {
                    ArrayNode subs = r.putArray("subresources");
                    for (ResourceType.Subresource s : t.subresources()) {
                        ObjectNode so = subs.addObject();
                        so.put("subresource", s.name());
                        gvk(so.putObject("responseKind"), s.group(), s.version(), s.kind());
                        strings(so.putArray("verbs"), s.verbs());
                    }
                }
            }
        }
        return item;
    }

    /**
     * What upstream's legacy discovery tells of a stored resource's storage version (here the served
     * version: each kind is served at one): the first 8 bytes of the SHA-256 of "group/version/kind",
     * in base64. Clients such as the storage version migrator compare it across time; the aggregated
     * document (apidiscovery.k8s.io/v2) has no such field.
     */
    static String storageVersionHash(String group, String version, String kind) {
        try {
            byte[] sum = MessageDigest.getInstance("SHA-256").digest((group + "/" + version + "/" + kind).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(Arrays.copyOf(sum, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void gvk(ObjectNode n, String group, String version, String kind) {
        n.put("group", group);
        n.put("version", version);
        n.put("kind", kind);
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }
}
