package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.Optional;

/** Roles by namespace and name; the server backs it with its watch cache, tests with a List. */
@FunctionalInterface
public interface RoleLister {
    /** Empty when there is no such Role. */
    Optional<Role> get(String namespace, String name);
}
