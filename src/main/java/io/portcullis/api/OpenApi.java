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
 * {@link OpenApiV2} describes the same kinds and operations with the same schemas.
 */
public final class OpenApi {
    static final String V3_REFS = "#/components/schemas/";
    static final String V2_REFS = "#/definitions/";

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
            String ref = definition(schemas, t, V3_REFS);
            for (Operation o : operations(t)) paths.withObjectProperty(o.path()).set(o.method(), operation(t, o, ref));
        }
        return doc;
    }

    private static ObjectNode operation(ResourceType t, Operation o, String ref) {
        ObjectNode op = Json.object();
        op.put("operationId", o.action() + t.kind());
        op.set("x-kubernetes-group-version-kind", gvk(t));
        op.put("x-kubernetes-action", o.action());
        ArrayNode params = op.putArray("parameters");
        if (o.hasBody()) {
            for (String p : BODY_QUERY_PARAMETERS) {
                ObjectNode param = params.addObject();
                param.put("name", p);
                param.put("in", "query");
                param.putObject("schema").put("type", "string");
            }
            ObjectNode content = op.putObject("requestBody").putObject("content");
            for (String m : o.consumes()) {
                if (o.method().equals("patch")) content.putObject(m).putObject("schema").put("type", "object");
                else content.putObject(m).putObject("schema").put("$ref", ref);
            }
        }
        ObjectNode ok = op.putObject("responses").putObject("200");
        ok.put("description", "OK");
        ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", ref);
        return op;
    }

    /** An operation on a kind: its path, HTTP method (lower case) and x-kubernetes-action. */
    record Operation(String path, String method, String action) {
        boolean hasBody() {
            return method.equals("post") || method.equals("put") || method.equals("patch");
        }

        /**
         * The media types of the request body. Strategic merge patch is not among them, so kubectl
         * computes client-side apply patches from its own built-in knowledge of these kinds.
         */
        List<String> consumes() {
            if (!hasBody()) return List.of();
            return method.equals("patch") ? List.of("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")
                    : List.of("application/json");
        }
    }

    /** The query parameters of every operation with a body. */
    static final List<String> BODY_QUERY_PARAMETERS = List.of("dryRun", "fieldManager", "fieldValidation");

    /** What a kind serves, in upstream's URL layout: create; and list, get, replace, patch and delete when it is stored. */
    static List<Operation> operations(ResourceType t) {
        String base = "/" + (t.group().isEmpty() ? "api/" : "apis/" + t.group() + "/") + t.version()
                + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.resource();
        if (!t.stored()) return List.of(new Operation(base, "post", "post"));
        String item = base + "/{name}";
        return List.of(new Operation(base, "post", "post"), new Operation(base, "get", "list"), new Operation(item, "get", "get"),
                new Operation(item, "put", "put"), new Operation(item, "patch", "patch"), new Operation(item, "delete", "delete"));
    }

    /** {"group", "version", "kind"} of a kind, as operations carry it (definitions carry a list of these). */
    static ObjectNode gvk(ResourceType t) {
        ObjectNode gvk = Json.object();
        gvk.put("group", t.group());
        gvk.put("version", t.version());
        gvk.put("kind", t.kind());
        return gvk;
    }

    /** Defines the kind's schema, marked with its group-version-kind, among the schemas; returns its reference. */
    static String definition(ObjectNode schemas, ResourceType t, String refs) {
        String ref = define(schemas, Schema.of(t.model()), refs);
        ObjectNode def = (ObjectNode) schemas.get(ref.substring(refs.length()));
        def.putArray("x-kubernetes-group-version-kind").add(gvk(t));
        return ref;
    }

    /** Adds the schema (and what it refers to) to the schemas, referred to under refs; returns its $ref. */
    private static String define(ObjectNode schemas, Schema s, String refs) {
        if (!(s instanceof Schema.Struct st)) throw new IllegalArgumentException("not a struct");
        String name = definitionName(st.type());
        String ref = refs + name;
        if (schemas.has(name)) return ref;
        ObjectNode def = schemas.putObject(name);
        def.put("type", "object");
        ObjectNode props = def.putObject("properties");
        for (Map.Entry<String, Schema> f : st.fields().entrySet()) props.set(f.getKey(), property(schemas, f.getValue(), refs));
        return ref;
    }

    private static ObjectNode property(ObjectNode schemas, Schema s, String refs) {
        ObjectNode p = Json.object();
        if (s instanceof Schema.Struct) {
            // v2's readers (kube-openapi's proto models) take only a bare $ref; v3 wraps it, as upstream does
            if (refs.equals(V2_REFS)) p.put("$ref", define(schemas, s, refs));
            else p.putArray("allOf").addObject().put("$ref", define(schemas, s, refs));
        } else if (s instanceof Schema.ArrayOf a) {
            p.put("type", "array");
            p.set("items", property(schemas, a.items(), refs));
        } else if (s instanceof Schema.MapOf m) {
            p.put("type", "object");
            p.set("additionalProperties", property(schemas, m.values(), refs));
        } else if (s instanceof Schema.Scalar sc) {
            switch (sc.kind()) {
                case "int-or-string" -> p.put("x-kubernetes-int-or-string", true);
                case "any" -> p.put("x-kubernetes-preserve-unknown-fields", true);
                default -> {
                    p.put("type", sc.kind());
                    if (!sc.format().isEmpty()) p.put("format", sc.format());
                }
            }
        }
        return p;
    }

    static String definitionName(Class<?> c) {
        // the project's own kinds (policy.portcullis.io) are nested in their registry files
        if (c.getName().startsWith("io.portcullis.")) return "io.portcullis.policy.v1alpha1." + c.getSimpleName();
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

    /** Upper-case hex of the SHA-512 of the bytes, as kube-openapi computes its ETags and hashes. */
    static String sha512(byte[] doc) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest(doc);
            return HexFormat.of().withUpperCase().formatHex(d, 0, 64).substring(0, 128);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
