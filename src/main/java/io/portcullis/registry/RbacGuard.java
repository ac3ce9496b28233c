package io.portcullis.registry;

import tools.jackson.databind.node.ObjectNode;

/**
 * RBAC's escalation prevention, asked by the role and binding strategies before a write: throws
 * a 403 ApiException when the requester may not grant what the object grants. old is null on
 * create, whose request, as upstream sees it, names no object.
 */
public interface RbacGuard {
    void checkRole(Context ctx, String namespace, ObjectNode role, ObjectNode old);

    void checkBinding(Context ctx, String namespace, ObjectNode binding);

    RbacGuard NONE = new RbacGuard() {
        @Override public void checkRole(Context ctx, String namespace, ObjectNode role, ObjectNode old) {}
        @Override public void checkBinding(Context ctx, String namespace, ObjectNode binding) {}
    };
}
