package io.portcullis.registry;

import io.portcullis.authn.UserInfo;

/** Who asks for a write, and how: the requester (after impersonation), dry run, field manager. */
public record Context(UserInfo user, boolean dryRun, String fieldManager) {
    public static Context of(UserInfo user) {
        return new Context(user, false, "");
    }
}
