package io.portcullis.server;

import io.portcullis.api.GroupResource;
import io.portcullis.api.Statuses;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Decision;
import io.portcullis.request.RequestInfo;

/**
 * The second authorization a write that creates needs (an apply or a PUT of a missing object): the
 * same request with the verb {@code create}, asked of the pipeline's authorizer as upstream asks it.
 * The right to patch or update is not the right to create.
 */
final class CreateRight {
    private final Authorizer authorizer;

    CreateRight(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    /** A check to run just before the object is created; refused as upstream: {@code <resource> "<name>" is forbidden: <reason>}. */
    Runnable check(RequestInfo info, UserInfo user) {
        return () -> {
            Attributes create = new Attributes(user, "create", true, info.namespace(), info.apiGroup(), info.apiVersion(),
                    info.resource(), info.subresource(), info.name(), info.path());
            Authorizer.Verdict verdict;
            try {
                verdict = authorizer.authorize(create);
            } catch (AuthorizationException e) {
                throw Statuses.internal("authorization could not be evaluated");
            }
            if (verdict.decision() != Decision.ALLOW) {
                String reason = verdict.reason() == null ? "" : verdict.reason();
                throw Statuses.forbidden(new GroupResource(info.apiGroup(), info.resource()), info.name(), reason);
            }
        };
    }
}
