package io.portcullis.server;

import io.portcullis.api.ResourceType;
import io.portcullis.authn.UserInfo;
import io.portcullis.registry.Strategy;
import io.portcullis.request.RequestInfo;
import java.util.Map;

/** What answers a resource request; {@link Router} picks it, and settles the request's scope, before authorization. */
sealed interface Route {
    ResourceType type();

    /** Answers a request that {@link Router} has routed: its path shape, method and scope are the kind's. */
    @FunctionalInterface
    interface Handler {
        void serve(Exchange ex, RequestInfo info, UserInfo user);
    }

    /**
     * A stored kind, served by the REST verbs through the registry; a subresource whose kind is not
     * the resource's own (serviceaccounts/token) is answered by the handler it is declared with.
     */
    record Stored(Strategy strategy, Map<String, Handler> subresources) implements Route {
        public Stored {
            subresources = Map.copyOf(subresources);
            for (String name : subresources.keySet()) {
                if (!strategy.type().hasSubresource(name)) {
                    throw new IllegalArgumentException(strategy.type().resource() + " has no subresource " + name + " to handle");
                }
            }
        }

        Stored(Strategy strategy) {
            this(strategy, Map.of());
        }

        @Override
        public ResourceType type() {
            return strategy.type();
        }
    }

    /** A create-only kind that is answered and never stored (the review APIs). */
    record Review(ResourceType type, Handler handler) implements Route {}
}
