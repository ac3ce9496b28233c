package io.portcullis.authn;

/** Well-known group and user names; they keep upstream's meaning. */
public final class Groups {
    public static final String SYSTEM_MASTERS = "system:masters";
    public static final String SYSTEM_AUTHENTICATED = "system:authenticated";
    public static final String SYSTEM_UNAUTHENTICATED = "system:unauthenticated";
    public static final String SYSTEM_SERVICEACCOUNTS = "system:serviceaccounts";
    public static final String SERVICEACCOUNTS_PREFIX = "system:serviceaccounts:";
    public static final String ANONYMOUS_USER = "system:anonymous";
    public static final String SERVICEACCOUNT_USER_PREFIX = "system:serviceaccount:";

    private Groups() {}
}
