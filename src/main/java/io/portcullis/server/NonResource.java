package io.portcullis.server;

import io.portcullis.api.Discovery;
import io.portcullis.api.Json;
import io.portcullis.api.OpenApi;
import io.portcullis.api.OpenApiV2;
import io.portcullis.api.Statuses;
import io.portcullis.request.RequestInfo;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/** Paths that name no resource: version, health, metrics, discovery, OpenAPI and issuer discovery. */
final class NonResource {
    private final Discovery discovery;
    private final Supplier<OpenApi> openApi;
    private final Supplier<OpenApiV2> openApiV2;
    private final Metrics metrics;
    private final Supplier<String> serverAddress;
    private final Map<String, BooleanSupplier> liveChecks;
    private final Map<String, BooleanSupplier> readyChecks;
    private final Map<String, byte[]> documents;

    /**
     * {@code documents}: extra fixed JSON documents by path (the ServiceAccount issuer's
     * discovery and JWKS, say), each with its content type after a NUL in the key.
     */
    NonResource(Discovery discovery, Supplier<OpenApi> openApi, Supplier<OpenApiV2> openApiV2, Metrics metrics, Supplier<String> serverAddress,
                Map<String, BooleanSupplier> liveChecks, Map<String, BooleanSupplier> readyChecks, Map<String, byte[]> documents) {
        this.discovery = discovery;
        this.openApi = openApi;
        this.openApiV2 = openApiV2;
        this.metrics = metrics;
        this.serverAddress = serverAddress;
        this.liveChecks = liveChecks;
        Map<String, BooleanSupplier> ready = new LinkedHashMap<>(liveChecks);
        ready.putAll(readyChecks);
        this.readyChecks = ready;
        this.documents = documents;
    }

    /**
     * The identities of kubectl 1.32 builds, known by the short commit their User-Agent ends with
     * ("kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"): gitVersion, full gitCommit, buildDate.
     * The first is the default.
     */
    private static final List<List<String>> KUBECTL_BUILDS = List.of(
            List.of("v1.32.5", "9894294ef13a5b32803e3ca2c0d620a088cc84d1", "2025-05-15T09:12:10Z"),
            List.of("v1.32.4-dispatcher", "4cb5f0764b8d5f425645c6f433394fede34a8a26", "2025-05-15T20:09:34Z"));

    /**
     * The Kubernetes 1.32 release whose API is served, named as a known kubectl 1.32 build that asks
     * names itself: kubectl's --match-server-version compares gitVersion, gitCommit and
     * gitTreeState with its own, so it passes for those builds. Anyone else is told v1.32.5.
     * Which Portcullis this is, `portcullis --version` tells.
     */
    static ObjectNode version(String userAgent) {
        List<String> build = KUBECTL_BUILDS.get(0);
        for (List<String> b : KUBECTL_BUILDS) {
            if (userAgent != null && userAgent.startsWith("kubectl/v1.32.") && userAgent.endsWith(" kubernetes/" + b.get(1).substring(0, 7))) {
                build = b;
            }
        }
        ObjectNode v = Json.object();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", build.get(0));
        v.put("gitCommit", build.get(1));
        v.put("gitTreeState", "clean");
        v.put("buildDate", build.get(2));
        v.put("goVersion", "java" + System.getProperty("java.version"));
        v.put("compiler", "javac");
        v.put("platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"));
        return v;
    }

    void serve(Exchange ex, RequestInfo info) {
        String path = info.path();
        if (path.length() > 1 && path.endsWith("/") && !path.equals("/version/")) path = path.substring(0, path.length() - 1);
        Runnable answer = answer(ex, info, path);
        if (answer == null) throw Statuses.notFoundPath();
        if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) throw Statuses.methodNotAllowed();
        answer.run();
    }

    /** What answers a GET of the path; null when nothing is served there. */
    private Runnable answer(Exchange ex, RequestInfo info, String path) {
        String accept = ex.header("Accept");
        switch (path) {
            case "/version", "/version/" -> { return () -> ex.respondJson(200, version(ex.header("User-Agent"))); }
            case "/metrics" -> { return () -> ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()); }
            case "/api" -> {
                return () -> {
                    if (wantsAggregated(accept)) respondAggregated(ex, true, accept);
                    else ex.respondJson(200, discovery.apiVersions(serverAddress.get()));
                };
            }
            case "/apis" -> {
                return () -> {
                    if (wantsAggregated(accept)) respondAggregated(ex, false, accept);
                    else ex.respondJson(200, discovery.groupList());
                };
            }
            case "/api/v1" -> { return () -> ex.respondJson(200, discovery.resourceList("v1")); }
            case "/openapi/v3" -> { return () -> ex.respondJson(200, openApi.get().index()); }
            case "/openapi/v2" -> { return () -> openApiV2(ex, accept); }
            default -> {
                if (path.startsWith("/livez") || path.startsWith("/readyz") || path.startsWith("/healthz")) {
                    String[] parts = path.substring(1).split("/", 2);
                    if (!List.of("livez", "readyz", "healthz").contains(parts[0])) return null;
                    if (parts.length == 2 && !(parts[0].equals("livez") ? liveChecks : readyChecks).containsKey(parts[1])) return null;
                    return () -> health(ex, info, parts);
                }
                if (path.startsWith("/apis/")) {
                    ObjectNode doc = apis(path.substring("/apis/".length()));
                    return doc == null ? null : () -> ex.respondJson(200, doc);
                }
                if (path.startsWith("/openapi/v3/")) {
                    byte[] doc = openApi.get().document(path.substring("/openapi/v3/".length()));
                    return doc == null ? null : () -> ex.respond(200, Exchange.JSON, doc);
                }
                byte[] doc = documents.get(path);
                if (doc == null) return null;
                return () -> {
                    ex.response().putHeader("Cache-Control", "public, max-age=3600");
                    ex.respond(200, path.endsWith("jwks") ? "application/jwk-set+json" : Exchange.JSON, doc);
                };
            }
        }
    }

    /**
     * As kube-openapi serves /openapi/v2: JSON or the protobuf form, as the Accept header prefers;
     * one ETag for both, told apart by Vary: Accept; 304 when the client's copy is current.
     */
    private void openApiV2(Exchange ex, String accept) {
        ex.response().putHeader("Vary", "Accept");
        boolean protobuf = prefersProtobuf(accept);
        OpenApiV2 doc = openApiV2.get();
        ex.response().putHeader("ETag", doc.etag());
        if (current(ex, doc)) {
            ex.response().setStatusCode(304).putHeader("Cache-Control", "no-cache, private").end();
            return;
        }
        ex.response().putHeader("Last-Modified", HTTP_DATE.format(doc.lastModified()));
        ex.respond(200, protobuf ? OpenApiV2.PROTOBUF : Exchange.JSON, protobuf ? doc.protobuf() : doc.json());
    }

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    /**
     * kube-openapi's choice: the Accept clauses by q, then specific before wildcard; the first one
     * that JSON or the protobuf form (under either name) matches decides, JSON first; none is a 406.
     * No header counts as any type.
     */
    private static boolean prefersProtobuf(String accept) {
        record Clause(String type, String subtype, double q) {}
        List<Clause> clauses = new ArrayList<>();
        for (String part : (accept == null || accept.isBlank() ? "*/*" : accept).split(",")) {
            String[] params = part.strip().split(";");
            String[] range = params[0].split("/");
            String type = range[0].strip();
            if (range.length > 2 || (range.length == 1 && !type.equals("*"))) continue;
            double q = 1;
            for (int i = 1; i < params.length; i++) {
                String[] kv = params[i].split("=", 2);
                if (kv.length == 2 && kv[0].strip().equals("q")) q = quality(kv[1]);
            }
            clauses.add(new Clause(type, range.length == 1 ? "*" : range[1].strip(), q));
        }
        clauses.sort(Comparator.comparingDouble((Clause c) -> -c.q()).thenComparing(c -> c.type().equals("*"))
                .thenComparing(c -> c.subtype().equals("*")));
        for (Clause c : clauses) {
            if (!c.type().equals("application") && !c.type().equals("*")) continue;
            String media = "application/" + c.subtype();
            if (c.subtype().equals("json") || c.subtype().equals("*")) return false;
            if (media.equals(OpenApiV2.PROTOBUF_REQUESTED) || media.equals(OpenApiV2.PROTOBUF)) return true;
        }
        throw Statuses.notAcceptable("only the following media types are accepted: application/json, " + OpenApiV2.PROTOBUF);
    }

    private static double quality(String q) {
        try {
            return Double.parseDouble(q.strip());
        } catch (NumberFormatException e) {
            return 0;   // as Go's ParseFloat, whose error kube-openapi ignores
        }
    }

    /** Whether the client's copy is current, as Go's http.ServeContent decides: If-None-Match (weakly), else If-Modified-Since. */
    private static boolean current(Exchange ex, OpenApiV2 doc) {
        String noneMatch = ex.header("If-None-Match");
        if (noneMatch != null && !noneMatch.isBlank()) {
            for (String tag : noneMatch.split(",")) {
                String t = tag.strip();
                if (t.startsWith("W/")) t = t.substring(2);
                if (t.equals("*") || t.equals(doc.etag())) return true;
            }
            return false;
        }
        String since = ex.header("If-Modified-Since");
        if (since == null) return false;
        try {
            return !doc.lastModified().isAfter(ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** The discovery document of /apis/<group> or /apis/<group>/<version>; null when there is none. */
    private ObjectNode apis(String rest) {
        String[] parts = rest.split("/");
        if (parts.length == 1) return discovery.group(parts[0]);
        if (parts.length == 2) return discovery.resourceList(parts[0] + "/" + parts[1]);
        return null;
    }

    private static boolean wantsAggregated(String accept) {
        return accept != null && accept.contains("as=APIGroupDiscoveryList") && accept.contains("g=apidiscovery.k8s.io");
    }

    private void respondAggregated(Exchange ex, boolean core, String accept) {
        boolean v2 = accept.contains("v=v2;") || accept.contains("v=v2,") || accept.endsWith("v=v2") || !accept.contains("v2beta1");
        String apiVersion = v2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1";
        String type = v2 ? Discovery.AGGREGATED_V2 : Discovery.AGGREGATED_V2BETA1;
        ex.respond(200, type, Json.bytes(discovery.aggregated(core, apiVersion)));
    }

    private void health(Exchange ex, RequestInfo info, String[] parts) {
        Map<String, BooleanSupplier> checks = parts[0].equals("livez") ? liveChecks : readyChecks;
        if (parts.length == 2) {
            boolean ok = checks.get(parts[1]).getAsBoolean();
            text(ex, ok ? 200 : 500, ok ? "ok" : "[-]" + parts[1] + " failed: reason withheld\n");
            return;
        }
        StringBuilder out = new StringBuilder();
        boolean all = true;
        for (Map.Entry<String, BooleanSupplier> c : checks.entrySet()) {
            boolean ok = c.getValue().getAsBoolean();
            all &= ok;
            out.append(ok ? "[+]" : "[-]").append(c.getKey()).append(ok ? " ok" : " failed: reason withheld").append('\n');
        }
        boolean verbose = info.query().containsKey("verbose");
        if (all && !verbose) {
            text(ex, 200, "ok");
        } else {
            out.append(parts[0]).append(all ? " check passed\n" : " check failed\n");
            text(ex, all ? 200 : 500, out.toString());
        }
    }

    private static void text(Exchange ex, int code, String body) {
        ex.response().putHeader("X-Content-Type-Options", "nosniff");
        ex.respond(code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }
}
