package io.portcullis.server;

import io.portcullis.api.Discovery;
import io.portcullis.api.Json;
import io.portcullis.api.OpenApi;
import io.portcullis.api.Statuses;
import io.portcullis.request.RequestInfo;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/** Paths that name no resource: version, health, metrics, discovery, OpenAPI and issuer discovery. */
final class NonResource {
    private final Discovery discovery;
    private final Supplier<OpenApi> openApi;
    private final Metrics metrics;
    private final Supplier<String> serverAddress;
    private final Map<String, BooleanSupplier> liveChecks;
    private final Map<String, BooleanSupplier> readyChecks;
    private final Map<String, byte[]> documents;

    /**
     * {@code documents}: extra fixed JSON documents by path (the ServiceAccount issuer's
     * discovery and JWKS, say), each with its content type after a NUL in the key.
     */
    NonResource(Discovery discovery, Supplier<OpenApi> openApi, Metrics metrics, Supplier<String> serverAddress,
                Map<String, BooleanSupplier> liveChecks, Map<String, BooleanSupplier> readyChecks, Map<String, byte[]> documents) {
        this.discovery = discovery;
        this.openApi = openApi;
        this.metrics = metrics;
        this.serverAddress = serverAddress;
        this.liveChecks = liveChecks;
        Map<String, BooleanSupplier> ready = new LinkedHashMap<>(liveChecks);
        ready.putAll(readyChecks);
        this.readyChecks = ready;
        this.documents = documents;
    }

    static ObjectNode version() {
        ObjectNode v = Json.object();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", "v1.32.0+portcullis-" + Server.VERSION);
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-01-01T00:00:00Z");
        v.put("goVersion", "java" + System.getProperty("java.version"));
        v.put("compiler", "javac");
        v.put("platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"));
        return v;
    }

    void serve(Exchange ex, RequestInfo info) {
        String path = info.path();
        if (path.length() > 1 && path.endsWith("/") && !path.equals("/version/")) path = path.substring(0, path.length() - 1);
        if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
            throw Statuses.of(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", null);
        }
        String accept = ex.header("Accept");
        switch (path) {
            case "/version", "/version/" -> ex.respondJson(200, version());
            case "/metrics" -> ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            case "/api" -> {
                if (wantsAggregated(accept)) respondAggregated(ex, true, accept);
                else ex.respondJson(200, discovery.apiVersions(serverAddress.get()));
            }
            case "/apis" -> {
                if (wantsAggregated(accept)) respondAggregated(ex, false, accept);
                else ex.respondJson(200, discovery.groupList());
            }
            case "/api/v1" -> ex.respondJson(200, discovery.resourceList("v1"));
            case "/openapi/v3" -> ex.respondJson(200, openApi.get().index());
            default -> {
                if (path.startsWith("/livez") || path.startsWith("/readyz") || path.startsWith("/healthz")) {
                    health(ex, info, path);
                } else if (path.startsWith("/apis/")) {
                    apis(ex, path.substring("/apis/".length()));
                } else if (path.startsWith("/openapi/v3/")) {
                    byte[] doc = openApi.get().document(path.substring("/openapi/v3/".length()));
                    if (doc == null) throw Statuses.notFoundPath();
                    ex.respond(200, Exchange.JSON, doc);
                } else if (documents.containsKey(path)) {
                    ex.response().putHeader("Cache-Control", "public, max-age=3600");
                    String type = path.endsWith("jwks") ? "application/jwk-set+json" : Exchange.JSON;
                    ex.response().putHeader("Content-Type", type);
                    ex.response().end(io.vertx.core.buffer.Buffer.buffer(documents.get(path)));
                } else {
                    throw Statuses.notFoundPath();
                }
            }
        }
    }

    private void apis(Exchange ex, String rest) {
        String[] parts = rest.split("/");
        if (parts.length == 1) {
            ObjectNode g = discovery.group(parts[0]);
            if (g == null) throw Statuses.notFoundPath();
            ex.respondJson(200, g);
        } else if (parts.length == 2) {
            ObjectNode l = discovery.resourceList(parts[0] + "/" + parts[1]);
            if (l == null) throw Statuses.notFoundPath();
            ex.respondJson(200, l);
        } else {
            throw Statuses.notFoundPath();
        }
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

    private void health(Exchange ex, RequestInfo info, String path) {
        String[] parts = path.substring(1).split("/", 2);
        Map<String, BooleanSupplier> checks = parts[0].equals("livez") ? liveChecks : readyChecks;
        if (parts.length == 2) {
            BooleanSupplier check = checks.get(parts[1]);
            if (check == null) throw Statuses.notFoundPath();
            boolean ok = check.getAsBoolean();
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
