package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import java.util.List;
import java.util.Optional;

/** ClusterRoles by name; the server backs it with its watch cache, tests with a List. */
public interface ClusterRoleLister {
    /** Empty when there is no such ClusterRole. */
    Optional<ClusterRole> get(String name);

    /** Every ClusterRole, for aggregation. */
    List<ClusterRole> list();

    static ClusterRoleLister of(List<ClusterRole> roles) {
        java.util.Map<String, ClusterRole> byName = new java.util.HashMap<>();
        roles.forEach(r -> byName.put(r.getMetadata().getName(), r));
        List<ClusterRole> all = List.copyOf(roles);
        return new ClusterRoleLister() {
            @Override public Optional<ClusterRole> get(String name) { return Optional.ofNullable(byName.get(name)); }
            @Override public List<ClusterRole> list() { return all; }
        };
    }
}
