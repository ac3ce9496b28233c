package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Schema;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.WatchCache;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cluster's roles and bindings as RBAC reads them: typed roles and the binding index, kept
 * current from the watch cache, and the authorizer over them.
 */
public final class RbacPolicy {
    private final Map<String, Role> roles = new ConcurrentHashMap<>();
    private final Map<String, ClusterRole> clusterRoles = new ConcurrentHashMap<>();
    private final BindingIndex index = new BindingIndex();
    private final ClusterRoleLister clusterRoleLister = new ClusterRoleLister() {
        @Override public Optional<ClusterRole> get(String name) { return Optional.ofNullable(clusterRoles.get(name)); }
        @Override public List<ClusterRole> list() { return List.copyOf(clusterRoles.values()); }
    };
    private final RbacAuthorizer authorizer =
            new RbacAuthorizer((ns, name) -> Optional.ofNullable(roles.get(ns + "/" + name)), clusterRoleLister, index);

    private final WhoCan whoCan = new WhoCan(authorizer, index);
    private final LeastPrivilege leastPrivilege = new LeastPrivilege(authorizer, index);

    /**
     * A policy of these objects as they are (ClusterRoles with their aggregated rules already in
     * them, as a server lists them): for answers made outside a server, from a listing or a file.
     */
    public static RbacPolicy of(List<Role> roles, List<ClusterRole> clusterRoles, List<RoleBinding> roleBindings,
                                List<ClusterRoleBinding> clusterRoleBindings) {
        RbacPolicy p = new RbacPolicy();
        for (Role r : roles) p.roles.put(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), r);
        for (ClusterRole r : clusterRoles) p.clusterRoles.put(r.getMetadata().getName(), r);
        for (RoleBinding b : roleBindings) p.index.put(b);
        for (ClusterRoleBinding b : clusterRoleBindings) p.index.put(b);
        return p;
    }

    public RbacAuthorizer authorizer() {
        return authorizer;
    }

    /** Who RBAC allows to make a request, from the same roles and bindings as the authorizer. */
    public WhoCan whoCan() {
        return whoCan;
    }

    /** Least-privilege reports from observed access, against the same roles and bindings as the authorizer. */
    public LeastPrivilege leastPrivilege() {
        return leastPrivilege;
    }

    /** The ClusterRoles as last seen, for aggregation. */
    public ClusterRoleLister clusterRoles() {
        return clusterRoleLister;
    }

    /** Follows the RBAC kinds among {@code types} in the cache, from their current items on. */
    public void follow(WatchCache cache, List<ResourceType> types) {
        for (ResourceType t : types) {
            if (!t.group().equals(EscalationCheck.GROUP)) continue;
            switch (t.resource()) {
                case "roles" -> cache.addListener(t.keyPrefix(), e -> track(e, roles, Role.class));
                case "clusterroles" -> cache.addListener(t.keyPrefix(), e -> track(e, clusterRoles, ClusterRole.class));
                case "rolebindings" -> cache.addListener(t.keyPrefix(), e -> {
                    if (e.type() == CacheEvent.Type.DELETED) index.remove(e.item().namespace(), e.item().name());
                    else index.put(decoded(e, RoleBinding.class));
                });
                case "clusterrolebindings" -> cache.addListener(t.keyPrefix(), e -> {
                    if (e.type() == CacheEvent.Type.DELETED) index.removeCluster(e.item().name());
                    else index.put(decoded(e, ClusterRoleBinding.class));
                });
                default -> throw new IllegalArgumentException("not an RBAC resource: " + t.resource());
            }
        }
    }

    private static <T> void track(CacheEvent e, Map<String, T> map, Class<T> type) {
        String key = e.item().namespace().isEmpty() ? e.item().name() : e.item().namespace() + "/" + e.item().name();
        if (e.type() == CacheEvent.Type.DELETED) map.remove(key);
        else map.put(key, decoded(e, type));
    }

    /**
     * The stored object as Go would decode it: a null where its type has none (stored before bodies
     * were read that way) is the zero value, so no object can make the authorizer fail for anyone.
     */
    private static <T> T decoded(CacheEvent e, Class<T> type) {
        ObjectNode copy = e.item().object().deepCopy();
        Schema.nullsAsGo(copy, Schema.of(type));
        return Json.convert(copy, type);
    }
}
