package io.portcullis.server;

import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.authn.UserInfo;
import io.portcullis.registry.Context;
import io.portcullis.request.RequestInfo;
import java.util.List;

/** The context of a write from its request: the requester, dryRun and fieldManager from the query. */
final class WriteContext {
    private WriteContext() {}

    /**
     * The write's context; without a fieldManager the manager is the User-Agent's product, as upstream.
     * A dryRun other than All is 400, a fieldManager over 128 characters 422.
     */
    static Context of(Exchange ex, RequestInfo info, UserInfo user) {
        String dry = info.param("dryRun");
        boolean dryRun = false;
        if (dry != null) {
            for (String d : info.query().get("dryRun")) {
                if (d.equals("All")) dryRun = true;
                else throw Statuses.badRequest("dryRun: Unsupported value: \"" + d + "\": supported values: \"All\"");
            }
        }
        String manager = info.param("fieldManager");
        if (manager != null && manager.length() > 128) {
            throw Statuses.invalid("meta.k8s.io", "PatchOptions", "", List.of(FieldError.tooLong("fieldManager", 128)));
        }
        if (manager == null || manager.isEmpty()) manager = userAgentManager(ex.header("User-Agent"));
        return new Context(user, dryRun, manager);
    }

    private static String userAgentManager(String ua) {
        if (ua == null || ua.isEmpty()) return "unknown";
        int slash = ua.indexOf('/');
        String m = slash < 0 ? ua : ua.substring(0, slash);
        return m.length() > 128 ? m.substring(0, 128) : m;
    }
}
