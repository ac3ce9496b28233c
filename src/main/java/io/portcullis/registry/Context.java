package io.portcullis.registry;

import io.portcullis.authn.UserInfo;

/** Who asks for a write, and how: the requester (after impersonation), dry run, field manager. */
public record Context(UserInfo user, boolean dryRun, String fieldManager) {
    /** The server itself, as its loopback client is known upstream: what bootstrap and controllers write as. */
    public static final Context SYSTEM = of(UserInfo.of("system:apiserver", "system:masters"));

    public static Context of(UserInfo user) {
        return new Context(user, false, "");
    }
}
