package io.portcullis.server;

import io.portcullis.authz.rbac.BootstrapPolicy;
import io.portcullis.controllers.Bootstrap;
import io.portcullis.controllers.RootCaController;
import io.portcullis.controllers.TokensController;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.SideBySide;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Back to a freshly started server between two tests, in a fraction of a restart: every namespace
 * but the system ones goes, with everything in it; in the system namespaces only what the
 * controllers keep there stays (the {@code default} ServiceAccount and its token Secret,
 * {@code kube-root-ca.crt}, the Leases of kube-system and kube-node-lease); cluster-wide, only the bootstrap policy stays, reconciled
 * anew. Objects are removed in the store itself, without finalizers or grace periods, and the
 * watch cache (so RBAC, token revocation and the controllers) hears each removal as a deletion.
 * The PKI, the ServiceAccount key and the revision counter are kept.
 */
final class Reset {
    private static final Duration FRESH = Duration.ofSeconds(30);
    /** A controller may write once more while a namespace goes (a default ServiceAccount just being created): look again. */
    private static final int PASSES = 5;
    private static final int DELETERS = 16;

    private Reset() {}

    /** Removes what is not kept and waits until the cache holds the result; IllegalStateException when writes keep coming. */
    static void run(Store store, WatchCache cache, ObjectStore objects, BootstrapPolicy.Defaults policy) {
        Set<String> bootstrapRoles = policy.clusterRoles().stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
        Set<String> bootstrapBindings = policy.clusterRoleBindings().stream().map(b -> b.getMetadata().getName())
                .collect(Collectors.toSet());
        for (int pass = 0; pass < PASSES; pass++) {
            if (!cache.waitFresh(FRESH)) throw new IllegalStateException("the cache did not catch up with storage in " + FRESH.toSeconds() + " s");
            List<Item> doomed = new ArrayList<>();
            // namespaces first: a controller then cannot recreate anything in them (NamespaceLifecycle refuses)
            Strategy namespaces = objects.strategy("", "namespaces");
            for (Item ns : cache.all(namespaces.type().keyPrefix())) {
                if (!Bootstrap.SYSTEM_NAMESPACES.contains(ns.name())) doomed.add(ns);
            }
            for (Strategy s : objects.strategies()) {
                if (s == namespaces) continue;
                String resource = s.type().resource();
                for (Item item : cache.all(s.type().keyPrefix())) {
                    boolean keep = switch (resource) {
                        case "clusterroles" -> bootstrapRoles.contains(item.name());
                        case "clusterrolebindings" -> bootstrapBindings.contains(item.name());
                        default -> Bootstrap.SYSTEM_NAMESPACES.contains(item.namespace()) && keptInSystemNamespace(resource, item);
                    };
                    if (!keep) doomed.add(item);
                }
            }
            if (doomed.isEmpty()) {
                Bootstrap.ensure(objects, policy);   // a bootstrap role or binding a test changed or removed comes back
                if (!cache.waitFresh(FRESH)) throw new IllegalStateException("the cache did not catch up with storage in " + FRESH.toSeconds() + " s");
                return;
            }
            deleteAll(store, doomed);
        }
        throw new IllegalStateException("objects were still being written after " + PASSES + " passes of reset: stop the code under test first");
    }

    /** Side by side: the store commits concurrent writes together (one fsync for many on SQLite). */
    private static void deleteAll(Store store, List<Item> doomed) {
        List<Runnable> deletions = new ArrayList<>();
        for (Item item : doomed) {
            deletions.add(() -> {
                try {
                    store.delete(item.key(), item.revision());
                } catch (StoreException e) {
                    // changed or gone meanwhile: the next pass sees it as it is now
                }
            });
        }
        SideBySide.run("reset", DELETERS, deletions);
    }

    private static boolean keptInSystemNamespace(String resource, Item item) {
        return switch (resource) {
            case "serviceaccounts" -> item.name().equals("default");
            case "configmaps" -> item.name().equals(RootCaController.NAME);
            case "leases" -> item.namespace().equals("kube-system") || item.namespace().equals("kube-node-lease");   // controllers', replicas'
            case "secrets" -> "kubernetes.io/service-account-token".equals(item.object().path("type").asString(""))
                    && "default".equals(item.object().path("metadata").path("annotations").path(TokensController.NAME_ANNOTATION).asString(""));
            default -> false;
        };
    }
}
