package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's serviceaccounts controller: every active namespace has the service accounts
 * named here ({@code default}), created when the namespace appears and re-created if deleted.
 */
public final class ServiceAccountsController implements AutoCloseable {
    private final ObjectStore objects;
    private final Strategy namespaces;
    private final Strategy serviceAccounts;
    private final List<String> names;
    private final Worker worker = new Worker("serviceaccounts-controller");

    private ServiceAccountsController(ObjectStore objects, List<String> names) {
        this.objects = objects;
        this.namespaces = objects.strategy("", "namespaces");
        this.serviceAccounts = objects.strategy("", "serviceaccounts");
        this.names = List.copyOf(names);
    }

    /** Starts keeping {@code default} in every namespace. */
    public static ServiceAccountsController start(ObjectStore objects) {
        ServiceAccountsController c = new ServiceAccountsController(objects, List.of("default"));
        c.worker.listen(objects.cache(), c.namespaces.type().keyPrefix(), e -> {
            if (e.type() != CacheEvent.Type.DELETED) c.enqueue(e.item().name());
        });
        c.worker.listen(objects.cache(), c.serviceAccounts.type().keyPrefix(), e -> {
            if (e.type() == CacheEvent.Type.DELETED && c.names.contains(e.item().name())) c.enqueue(e.item().namespace());
        });
        return c;
    }

    private void enqueue(String namespace) {
        worker.enqueue(namespace, () -> sync(namespace));
    }

    private void sync(String namespace) {
        var ns = objects.find(namespaces, "", namespace);
        if (ns.isEmpty() || Namespaces.terminating(ns.get().object())) return;
        for (String name : names) {
            if (objects.find(serviceAccounts, namespace, name).isPresent()) continue;
            ObjectNode sa = Json.object();
            sa.putObject("metadata").put("name", name);
            try {
                objects.create(Context.SYSTEM, serviceAccounts, namespace, sa);
            } catch (ApiException e) {
                // already there, or the namespace went away or began terminating meanwhile
                if (!Worker.is(e, "AlreadyExists", "NotFound", "Forbidden")) throw e;
            }
        }
    }

    @Override
    public void close() {
        worker.close();
    }
}
