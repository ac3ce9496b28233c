package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.ApiObjects;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's root-ca-cert-publisher: the ConfigMap {@value #NAME} in every active namespace
 * holds the cluster CA (key {@code ca.crt}) and upstream's description annotation; it is
 * re-created when deleted and reset when changed.
 */
public final class RootCaController implements AutoCloseable {
    public static final String NAME = "kube-root-ca.crt";
    public static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
    public static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
            + "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
            + "distributions of Kubernetes clusters.";

    private final ObjectStore objects;
    private final Strategy namespaces;
    private final Strategy configMaps;
    private final String caPem;
    private final Worker worker = new Worker("root-ca-controller");

    private RootCaController(ObjectStore objects, String caPem) {
        this.objects = objects;
        this.namespaces = objects.strategy("", "namespaces");
        this.configMaps = objects.strategy("", "configmaps");
        this.caPem = caPem;
    }

    /** @param caPem the PEM bundle clients inside the cluster verify the server with */
    public static RootCaController start(ObjectStore objects, String caPem) {
        RootCaController c = new RootCaController(objects, caPem);
        c.worker.listen(objects.cache(), c.namespaces.type().keyPrefix(), e -> {
            if (e.type() != CacheEvent.Type.DELETED) c.enqueue(e.item().name());
        });
        c.worker.listen(objects.cache(), c.configMaps.type().keyPrefix(), e -> {
            if (e.item().name().equals(NAME) && (e.type() == CacheEvent.Type.DELETED || !c.current(e.item().object()))) {
                c.enqueue(e.item().namespace());
            }
        });
        return c;
    }

    private void enqueue(String namespace) {
        worker.enqueue(namespace, () -> sync(namespace));
    }

    private boolean current(JsonNode cm) {
        return caPem.equals(cm.path("data").path("ca.crt").asString(null)) && cm.path("data").size() == 1
                && DESCRIPTION.equals(cm.path("metadata").path("annotations").path(DESCRIPTION_ANNOTATION).asString(null));
    }

    private void sync(String namespace) {
        Optional<Item> ns = objects.find(namespaces, "", namespace);
        if (ns.isEmpty() || Namespaces.terminating(ns.get().object())) return;
        Optional<Item> cm = objects.find(configMaps, namespace, NAME);
        try {
            if (cm.isEmpty()) {
                ObjectNode obj = Json.object();
                obj.putObject("metadata").put("name", NAME).putObject("annotations").put(DESCRIPTION_ANNOTATION, DESCRIPTION);
                obj.putObject("data").put("ca.crt", caPem);
                objects.create(Context.SYSTEM, configMaps, namespace, obj);
            } else if (!current(cm.get().object())) {
                objects.write(Context.SYSTEM, configMaps, namespace, NAME, "", 0, o -> {
                    ObjectNode data = o.putObject("data");
                    data.put("ca.crt", caPem);
                    o.remove("binaryData");
                    o.remove("immutable");
                    ObjectNode meta = ApiObjects.metadata(o);
                    JsonNode a = meta.get("annotations");
                    ObjectNode annotations = a instanceof ObjectNode an ? an : meta.putObject("annotations");
                    annotations.put(DESCRIPTION_ANNOTATION, DESCRIPTION);
                    return o;
                });
            }
        } catch (ApiException e) {
            if (Worker.is(e, "AlreadyExists", "Conflict")) {
                enqueueRetry(namespace);
                return;
            }
            if (!Worker.is(e, "NotFound", "Forbidden")) throw e;
        }
    }

    private void enqueueRetry(String namespace) {
        worker.enqueueLater(namespace, () -> sync(namespace), 100);
    }

    @Override
    public void close() {
        worker.close();
    }
}
