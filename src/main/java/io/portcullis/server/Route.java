package io.portcullis.server;

import io.portcullis.api.ResourceType;
import io.portcullis.registry.Reviews;
import io.portcullis.registry.Strategy;

/** What answers a resource request; {@link Router} picks it, and settles the request's scope, before authorization. */
sealed interface Route {
    ResourceType type();

    /** A stored kind, served by the REST verbs through the registry (subresources of other kinds by the handlers the kind declares). */
    record Stored(Strategy strategy) implements Route {
        @Override
        public ResourceType type() {
            return strategy.type();
        }
    }

    /** A create-only kind that is answered and never stored (the review APIs). */
    record Review(ResourceType type, Reviews reviews) implements Route {}
}
