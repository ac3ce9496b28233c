package io.portcullis.authz;

import io.portcullis.api.ApiException;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Statuses;

/** Upstream's 403 wording for a refused request. */
public final class ForbiddenMessages {
    private ForbiddenMessages() {}

    /**
     * The part after "is forbidden: ", for example
     * {@code User "alice" cannot impersonate resource "users" in API group "" at the cluster scope},
     * with {@code ": <reason>"} appended when the authorizer gave one.
     */
    public static String of(Attributes a, String reason) {
        String user = a.user() == null ? "" : a.user().name();
        String message;
        if (!a.resourceRequest()) {
            message = "User \"%s\" cannot %s path \"%s\"".formatted(user, a.verb(), a.path());
        } else {
            String resource = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
            String scope = a.namespace().isEmpty() ? "at the cluster scope" : "in the namespace \"" + a.namespace() + "\"";
            message = "User \"%s\" cannot %s resource \"%s\" in API group \"%s\" %s".formatted(user, a.verb(), resource, a.apiGroup(), scope);
        }
        return reason == null || reason.isEmpty() ? message : message + ": " + reason;
    }

    /** The whole 403 Status: {@code <resource>[.<group>] ["<name>"] is forbidden: <of(a, reason)>}. */
    public static ApiException forbidden(Attributes a, String reason) {
        GroupResource gr = new GroupResource(a.apiGroup(), a.resource());
        return Statuses.forbidden(gr, a.name(), of(a, reason));
    }
}
