package io.portcullis.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAPI v3 documents, one per group/version, built from the served types and their model
 * schemas: enough for kubectl explain and for kubectl to trust the server's field validation.
 * Strategic merge patch is not advertised in request bodies, so kubectl computes client-side
 * apply patches from its own built-in knowledge of these kinds.
 */
public final class OpenApi {
    private final Map<String, byte[]> documents = new LinkedHashMap<>();
    private final Map<String, String> hashes = new LinkedHashMap<>();

    public OpenApi(Discovery discovery) {
        for (String gv : discovery.groupVersions()) {
            byte[] doc = Json.bytes(document(gv, discovery.resources(gv)));
            String path = gv.contains("/") ? "apis/" + gv : "api/" + gv;
            documents.put(path, doc);
            hashes.put(path, sha512(doc));
        }
    }

    /** The /openapi/v3 index. */
    public ObjectNode index() {
        ObjectNode n = Json.object();
        ObjectNode paths = n.putObject("paths");
        for (Map.Entry<String, String> e : hashes.entrySet()) {
            paths.putObject(e.getKey()).put("serverRelativeURL", "/openapi/v3/" + e.getKey() + "?hash=" + e.getValue());
        }
        return n;
    }

    /** The document of "api/v1" or "apis/<group>/<version>", or null. */
    public byte[] document(String path) {
        return documents.get(path);
    }

    public String hash(String path) {
        return hashes.get(path);
    }

    private static ObjectNode document(String gv, List<ResourceType> types) {
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Portcullis");
        info.put("version", gv);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        for (ResourceType t : types) {
            String base = "/" + (t.group().isEmpty() ? "api/" : "apis/" + t.group() + "/") + t.version()
                    + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.resource();
            String ref = define(schemas, Schema.of(t.model()));
            ObjectNode def = (ObjectNode) schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
            ObjectNode gvk = def.putArray("x-kubernetes-group-version-kind").addObject();
            gvk.put("group", t.group());
            gvk.put("version", t.version());
            gvk.put("kind", t.kind());
            ObjectNode collection = paths.putObject(base);
            collection.set("post", operation(t, "post", ref, true));
            if (t.stored()) {
                collection.set("get", operation(t, "list", ref, false));
                ObjectNode item = paths.putObject(base + "/{name}");
                item.set("get", operation(t, "get", ref, false));
                item.set("put", operation(t, "put", ref, true));
                item.set("patch", operation(t, "patch", ref, true));
                item.set("delete", operation(t, "delete", ref, false));
            }
        }
        return doc;
    }

    private static ObjectNode operation(ResourceType t, String action, String ref, boolean body) {
        ObjectNode op = Json.object();
        op.put("operationId", action + t.kind());
        ObjectNode gvk = op.putObject("x-kubernetes-group-version-kind");
        gvk.put("group", t.group());
        gvk.put("version", t.version());
        gvk.put("kind", t.kind());
        op.put("x-kubernetes-action", action);
        ArrayNode params = op.putArray("parameters");
        if (body) {
            for (String p : List.of("dryRun", "fieldManager", "fieldValidation")) {
                ObjectNode param = params.addObject();
                param.put("name", p);
                param.put("in", "query");
                param.putObject("schema").put("type", "string");
            }
            ObjectNode content = op.putObject("requestBody").putObject("content");
            if (action.equals("patch")) {
                for (String m : List.of("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")) {
                    content.putObject(m).putObject("schema").put("type", "object");
                }
            } else {
                content.putObject("application/json").putObject("schema").put("$ref", ref);
            }
        }
        ObjectNode ok = op.putObject("responses").putObject("200");
        ok.put("description", "OK");
        ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", ref);
        return op;
    }

    /** Adds the schema (and what it refers to) to components; returns its $ref. */
    private static String define(ObjectNode schemas, Schema s) {
        if (!(s instanceof Schema.Struct st)) throw new IllegalArgumentException("not a struct");
        String name = definitionName(st.type());
        String ref = "#/components/schemas/" + name;
        if (schemas.has(name)) return ref;
        ObjectNode def = schemas.putObject(name);
        def.put("type", "object");
        ObjectNode props = def.putObject("properties");
        for (Map.Entry<String, Schema> f : st.fields().entrySet()) props.set(f.getKey(), property(schemas, f.getValue()));
        return ref;
    }

    private static ObjectNode property(ObjectNode schemas, Schema s) {
        ObjectNode p = Json.object();
        if (s instanceof Schema.Struct) {
            p.putArray("allOf").addObject().put("$ref", define(schemas, s));
        } else if (s instanceof Schema.ArrayOf a) {
            p.put("type", "array");
            p.set("items", property(schemas, a.items()));
        } else if (s instanceof Schema.MapOf m) {
            p.put("type", "object");
            p.set("additionalProperties", property(schemas, m.values()));
        } else if (s instanceof Schema.Scalar sc) {
            switch (sc.kind()) {
                case "int-or-string" -> p.put("x-kubernetes-int-or-string", true);
                case "any" -> p.put("x-kubernetes-preserve-unknown-fields", true);
                default -> p.put("type", sc.kind());
            }
        }
        return p;
    }

    static String definitionName(Class<?> c) {
        String pkg = c.getPackageName().replace("io.fabric8.kubernetes.api.model", "");
        String group = switch (pkg) {
            case "" -> "core.v1";
            case ".rbac" -> "rbac.v1";
            case ".authentication" -> "authentication.v1";
            case ".authorization.v1" -> "authorization.v1";
            case ".coordination.v1" -> "coordination.v1";
            default -> pkg.startsWith(".") ? pkg.substring(1) : pkg;
        };
        return "io.k8s.api." + group + "." + c.getSimpleName();
    }

    private static String sha512(byte[] doc) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest(doc);
            return HexFormat.of().withUpperCase().formatHex(d, 0, 64).substring(0, 128);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
