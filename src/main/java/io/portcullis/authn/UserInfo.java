package io.portcullis.authn;

import java.util.List;
import java.util.Map;

/** Who is calling: what an authenticator found in the credentials. Users are never stored. */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
    public UserInfo {
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
        extra = Map.copyOf(extra);
    }

    public static UserInfo of(String name, String... groups) {
        return new UserInfo(name, "", List.of(groups), Map.of());
    }
}
