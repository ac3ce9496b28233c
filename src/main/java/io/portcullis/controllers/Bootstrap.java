package io.portcullis.controllers;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.authz.rbac.BootstrapPolicy;
import io.portcullis.authz.rbac.EscalationCheck;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.SideBySide;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * What every server ensures once at start, before it serves, whether or not it runs the
 * controllers: the namespaces every cluster has, and upstream's bootstrap RBAC policy reconciled
 * as upstream reconciles it (missing roles and bindings created, autoupdated ones brought up to date).
 */
public final class Bootstrap {
    public static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

    /** Enough writers waiting at once for the store to commit many in one transaction. */
    private static final int WRITERS = 16;

    private Bootstrap() {}

    /**
     * Each object is reconciled on its own, side by side ({@link SideBySide}), so that the store
     * commits them in a few transactions rather than one each (a new data directory writes about 130).
     *
     * @param policy the bootstrap policy, parsed beforehand ({@link BootstrapPolicy.Defaults#load})
     */
    public static void ensure(ObjectStore objects, BootstrapPolicy.Defaults policy) {
        Strategy namespaces = objects.strategy("", "namespaces");
        List<Runnable> steps = new ArrayList<>();
        for (String ns : SYSTEM_NAMESPACES) {
            steps.add(() -> {
                if (objects.find(namespaces, "", ns).isPresent()) return;
                ObjectNode obj = Json.object();
                obj.putObject("metadata").put("name", ns);
                create(objects, namespaces, obj);
            });
        }
        Strategy roles = objects.strategy(EscalationCheck.GROUP, "clusterroles");
        for (ClusterRole desired : policy.clusterRoles()) steps.add(() -> reconcile(objects, roles, desired));
        Strategy bindings = objects.strategy(EscalationCheck.GROUP, "clusterrolebindings");
        for (ClusterRoleBinding desired : policy.clusterRoleBindings()) steps.add(() -> reconcile(objects, bindings, desired));
        SideBySide.run("bootstrap", WRITERS, steps);
    }

    private static void reconcile(ObjectStore objects, Strategy s, ClusterRole desired) {
        String name = desired.getMetadata().getName();
        Optional<ClusterRole> existing = objects.find(s, "", name).map(i -> Json.convert(i.object(), ClusterRole.class));
        BootstrapPolicy.reconcile(existing, desired).ifPresent(role -> {
            ObjectNode obj = Json.toTree(role);
            if (existing.isPresent()) objects.write(Context.SYSTEM, s, "", name, "", 0, cur -> obj);
            else create(objects, s, obj);
        });
    }

    private static void reconcile(ObjectStore objects, Strategy s, ClusterRoleBinding desired) {
        String name = desired.getMetadata().getName();
        Optional<ClusterRoleBinding> existing = objects.find(s, "", name).map(i -> Json.convert(i.object(), ClusterRoleBinding.class));
        BootstrapPolicy.reconcile(existing, desired).ifPresent(change -> {
            ObjectNode obj = Json.toTree(change.binding());
            if (existing.isEmpty()) {
                create(objects, s, obj);
            } else if (change.recreate()) {
                try {
                    objects.delete(Context.SYSTEM, s, "", name, null, null);
                } catch (ApiException e) {
                    if (!Worker.is(e, "NotFound")) throw e;   // another server recreates it at the same moment
                }
                create(objects, s, obj);
            } else {
                objects.write(Context.SYSTEM, s, "", name, "", 0, cur -> obj);
            }
        });
    }

    /** Creates the object as new (whatever metadata the desired copy carried); another server's create wins. */
    private static void create(ObjectStore objects, Strategy s, ObjectNode obj) {
        ObjectNode meta = (ObjectNode) obj.get("metadata");
        meta.remove("resourceVersion");
        meta.remove("uid");
        meta.remove("creationTimestamp");
        try {
            objects.create(Context.SYSTEM, s, "", obj);
        } catch (ApiException e) {
            if (!Worker.is(e, "AlreadyExists")) throw e;
        }
    }
}
