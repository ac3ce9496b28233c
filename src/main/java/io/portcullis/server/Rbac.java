package io.portcullis.server;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.rbac.Aggregation;
import io.portcullis.authz.rbac.BindingIndex;
import io.portcullis.authz.rbac.BootstrapPolicy;
import io.portcullis.authz.rbac.ClusterRoleLister;
import io.portcullis.authz.rbac.EscalationCheck;
import io.portcullis.authz.rbac.RbacAuthorizer;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.RbacGuard;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.WatchCache;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * RBAC's derived state and its duties: typed roles and the binding index, kept current from the
 * watch cache; upstream's bootstrap policy reconciled at start; the aggregation controller; and
 * escalation prevention for the role and binding strategies.
 */
final class Rbac implements RbacGuard, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Rbac.class);
    static final Context SYSTEM = Context.of(UserInfo.of("system:apiserver", "system:masters"));

    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, ClusterRole> clusterRoles = new ConcurrentHashMap<>();
    private final BindingIndex index = new BindingIndex();
    private final RbacAuthorizer authorizer;
    private final ExecutorService aggregator = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rbac-aggregation");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean aggregationPending = new AtomicBoolean();
    private volatile EscalationCheck escalation;
    private volatile ObjectStore objects;

    Rbac(WatchCache cache) {
        ClusterRoleLister clusterRoleLister = new ClusterRoleLister() {
            @Override public Optional<ClusterRole> get(String name) { return Optional.ofNullable(clusterRoles.get(name)); }
            @Override public List<ClusterRole> list() { return List.copyOf(clusterRoles.values()); }
        };
        this.authorizer = new RbacAuthorizer((ns, name) -> Optional.ofNullable(roles.get(ns + "/" + name)), clusterRoleLister, index);
        cache.addListener(prefix("roles"), e -> track(e, roles, Role.class));
        cache.addListener(prefix("clusterroles"), e -> {
            track(e, clusterRoles, ClusterRole.class);
            scheduleAggregation();
        });
        cache.addListener(prefix("rolebindings"), e -> {
            if (e.type() == CacheEvent.Type.DELETED) index.remove(e.item().namespace(), e.item().name());
            else index.put(Json.convert(e.item().object(), RoleBinding.class));
        });
        cache.addListener(prefix("clusterrolebindings"), e -> {
            if (e.type() == CacheEvent.Type.DELETED) index.removeCluster(e.item().name());
            else index.put(Json.convert(e.item().object(), ClusterRoleBinding.class));
        });
    }

    private static String prefix(String resource) {
        return "/registry/" + EscalationCheck.GROUP + "/" + resource + "/";
    }

    private static <T> void track(CacheEvent e, Map<String, T> map, Class<T> type) {
        String key = e.item().namespace().isEmpty() ? e.item().name() : e.item().namespace() + "/" + e.item().name();
        if (e.type() == CacheEvent.Type.DELETED) map.remove(key);
        else map.put(key, Json.convert(e.item().object(), type));
    }

    RbacAuthorizer authorizer() {
        return authorizer;
    }

    /** Starts the duties that write: escalation checks ask the whole chain; bootstrap; aggregation. */
    void start(ObjectStore objects, Authorizer chain) {
        this.objects = objects;
        this.escalation = new EscalationCheck(authorizer, chain);
        reconcileBootstrapPolicy();
        scheduleAggregation();
    }

    private void reconcileBootstrapPolicy() {
        Strategy roleStrategy = objects.strategy(EscalationCheck.GROUP, "clusterroles");
        Strategy bindingStrategy = objects.strategy(EscalationCheck.GROUP, "clusterrolebindings");
        for (ClusterRole desired : BootstrapPolicy.clusterRoles()) {
            String name = desired.getMetadata().getName();
            BootstrapPolicy.reconcile(Optional.ofNullable(clusterRoles.get(name)), desired).ifPresent(role -> {
                ObjectNode obj = Json.toTree(role);
                if (clusterRoles.containsKey(name)) objects.write(SYSTEM, roleStrategy, "", name, "", 0, cur -> obj);
                else create(roleStrategy, obj);
            });
        }
        Map<String, ClusterRoleBinding> existing = new ConcurrentHashMap<>();
        for (var it : objects.cache().all(prefix("clusterrolebindings"))) {
            existing.put(it.name(), Json.convert(it.object(), ClusterRoleBinding.class));
        }
        for (ClusterRoleBinding desired : BootstrapPolicy.clusterRoleBindings()) {
            String name = desired.getMetadata().getName();
            BootstrapPolicy.reconcile(Optional.ofNullable(existing.get(name)), desired).ifPresent(change -> {
                ObjectNode obj = Json.toTree(change.binding());
                if (!existing.containsKey(name)) {
                    create(bindingStrategy, obj);
                } else if (change.recreate()) {
                    objects.delete(SYSTEM, bindingStrategy, "", name, null, null);
                    create(bindingStrategy, obj);
                } else {
                    objects.write(SYSTEM, bindingStrategy, "", name, "", 0, cur -> obj);
                }
            });
        }
    }

    private void create(Strategy s, ObjectNode obj) {
        ObjectNode meta = (ObjectNode) obj.get("metadata");
        meta.remove("resourceVersion");
        meta.remove("uid");
        meta.remove("creationTimestamp");
        try {
            objects.create(SYSTEM, s, "", obj);
        } catch (ApiException e) {
            if (!"AlreadyExists".equals(e.reason())) throw e;
        }
    }

    private void scheduleAggregation() {
        if (objects == null || !aggregationPending.compareAndSet(false, true)) return;
        aggregator.execute(() -> {
            aggregationPending.set(false);
            try {
                aggregate();
            } catch (RuntimeException e) {
                LOG.warn("aggregating ClusterRoles failed; retrying on the next change", e);
            }
        });
    }

    /** Fills every aggregated ClusterRole with the rules of the roles its selectors match. */
    private void aggregate() {
        Strategy s = objects.strategy(EscalationCheck.GROUP, "clusterroles");
        for (ClusterRole target : List.copyOf(clusterRoles.values())) {
            if (target.getAggregationRule() == null) continue;
            List<PolicyRule> rules = Aggregation.aggregate(target, clusterRoles.values());
            if (!Aggregation.changed(target, rules)) continue;
            try {
                objects.write(SYSTEM, s, "", target.getMetadata().getName(), "", 0, cur -> {
                    cur.set("rules", Json.MAPPER.valueToTree(rules));
                    return cur;
                });
            } catch (ApiException e) {
                if (!"NotFound".equals(e.reason())) throw e;
            }
        }
    }

    // --- escalation prevention, asked by the role and binding strategies ---------------------

    @Override
    public void checkRole(Context ctx, String namespace, ObjectNode role, ObjectNode old) {
        EscalationCheck check = escalation;
        if (check == null || EscalationCheck.escalationAllowed(ctx.user())) return;
        // as upstream, escalate is asked of the name in the request path, and a create's path names nothing
        // (a server-side apply that creates counts as a create here; upstream asks of its path's name)
        String name = role.path("metadata").path("name").asString("");
        String requestName = old == null ? "" : name;
        if (namespace == null || namespace.isEmpty()) {
            check.checkClusterRole(ctx.user(), requestName, Json.convert(role, ClusterRole.class),
                    old == null ? null : Json.convert(old, ClusterRole.class));
        } else {
            Role r = Json.convert(role, Role.class);
            check.checkRole(ctx.user(), namespace, requestName, name, r.getRules() == null ? List.of() : r.getRules());
        }
    }

    @Override
    public void checkBinding(Context ctx, String namespace, ObjectNode binding) {
        EscalationCheck check = escalation;
        if (check == null || EscalationCheck.escalationAllowed(ctx.user())) return;
        RoleRef ref = Json.convert(binding.get("roleRef"), RoleRef.class);
        String name = binding.path("metadata").path("name").asString("");
        check.checkBinding(ctx.user(), namespace == null ? "" : namespace, name, ref);
    }

    @Override
    public void close() {
        aggregator.shutdownNow();
    }
}
