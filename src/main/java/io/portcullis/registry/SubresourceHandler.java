package io.portcullis.registry;

import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * A subresource whose kind is not its resource's own, declared with the kind it belongs to
 * (serviceaccounts/token creates an authentication.k8s.io TokenRequest). Nothing of it is stored.
 */
@FunctionalInterface
public interface SubresourceHandler {
    /**
     * The answer to a create of the subresource of the named object (201); warnings go to
     * {@code warn}. Throws an ApiException for what the request may not do.
     */
    ObjectNode create(ObjectStore objects, Context ctx, String namespace, String name, ObjectNode body, Consumer<String> warn);
}
