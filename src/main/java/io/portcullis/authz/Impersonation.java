package io.portcullis.authz;

import io.portcullis.authn.UserInfo;
import io.portcullis.authn.Groups;

import io.portcullis.api.ApiException;
import io.portcullis.api.Statuses;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Impersonate-* headers, as upstream's impersonation filter: every requested item is
 * authorized for the real user with verb "impersonate", and the first refusal is a 403.
 */
public final class Impersonation {
    public static final String USER = "impersonate-user";
    public static final String GROUP = "impersonate-group";
    public static final String UID = "impersonate-uid";
    public static final String EXTRA_PREFIX = "impersonate-extra-";
    private static final String AUTHENTICATION_GROUP = "authentication.k8s.io";
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private Impersonation() {}

    /** True when any header asks for impersonation; header names are lower-cased. */
    public static boolean requested(Map<String, List<String>> headers) {
        return headers.keySet().stream().anyMatch(h -> h.equals(USER) || h.equals(GROUP) || h.equals(UID) || h.startsWith(EXTRA_PREFIX));
    }

    /**
     * The user to act as: {@code requester} when no Impersonate-* header is present.
     *
     * @param headers lower-cased header names to their values, in order
     * @throws ApiException 500 when groups, extras or a uid come without a user; 403 for the first refusal
     */
    public static UserInfo apply(UserInfo requester, Map<String, List<String>> headers, Authorizer authorizer) {
        List<Item> items = items(headers);
        if (items.isEmpty()) return requester;
        boolean groupsSpecified = !headers.getOrDefault(GROUP, List.of()).isEmpty();

        String username = "";
        String uid = "";
        List<String> groups = new ArrayList<>();
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (Item item : items) {
            Attributes attributes = item.attributes(requester);
            switch (item.kind) {
                case SERVICE_ACCOUNT -> {
                    username = Groups.SERVICEACCOUNT_USER_PREFIX + item.namespace + ":" + item.name;
                    if (!groupsSpecified) {
                        groups = new ArrayList<>(List.of(Groups.SYSTEM_SERVICEACCOUNTS, Groups.SERVICEACCOUNTS_PREFIX + item.namespace));
                    }
                }
                case USER -> username = item.name;
                case GROUP -> groups.add(item.name);
                case EXTRA -> extra.computeIfAbsent(item.key, k -> new ArrayList<>()).add(item.name);
                case UID -> uid = item.name;
            }
            Authorizer.Verdict verdict;
            try {
                verdict = authorizer.authorize(attributes);
            } catch (AuthorizationException e) {
                // as upstream: an evaluation error refuses the impersonation
                verdict = Authorizer.Verdict.noOpinion("");
            }
            if (verdict == null || verdict.decision() != Decision.ALLOW) {
                throw ForbiddenMessages.forbidden(attributes, verdict == null ? "" : verdict.reason());
            }
        }

        if (!username.equals(Groups.ANONYMOUS_USER)) {
            if (!groups.contains(Groups.SYSTEM_AUTHENTICATED) && !groups.contains(Groups.SYSTEM_UNAUTHENTICATED)) {
                groups.add(Groups.SYSTEM_AUTHENTICATED);
            }
        } else if (!groups.contains(Groups.SYSTEM_UNAUTHENTICATED)) {
            groups.add(Groups.SYSTEM_UNAUTHENTICATED);
        }
        return new UserInfo(username, uid, groups, extra);
    }

    private enum Kind { SERVICE_ACCOUNT, USER, GROUP, EXTRA, UID }

    private record Item(Kind kind, String namespace, String name, String key) {
        Attributes attributes(UserInfo requester) {
            return switch (kind) {
                case SERVICE_ACCOUNT -> new Attributes(requester, "impersonate", true, namespace, "", "", "serviceaccounts", "", name, "");
                case USER -> new Attributes(requester, "impersonate", true, "", "", "", "users", "", name, "");
                case GROUP -> new Attributes(requester, "impersonate", true, "", "", "", "groups", "", name, "");
                case EXTRA -> new Attributes(requester, "impersonate", true, "", AUTHENTICATION_GROUP, "v1", "userextras", key, name, "");
                case UID -> new Attributes(requester, "impersonate", true, "", AUTHENTICATION_GROUP, "v1", "uids", "", name, "");
            };
        }

        /** As Go prints the ObjectReference upstream builds: {Kind Namespace Name UID APIVersion ResourceVersion FieldPath}. */
        String show() {
            return switch (kind) {
                case SERVICE_ACCOUNT -> "{ServiceAccount " + namespace + " " + name + "    }";
                case USER -> "{User  " + name + "    }";
                case GROUP -> "{Group  " + name + "    }";
                case EXTRA -> "{UserExtra  " + name + "  authentication.k8s.io/v1  " + key + "}";
                case UID -> "{UID  " + name + "  authentication.k8s.io/v1  }";
            };
        }
    }

    private static List<Item> items(Map<String, List<String>> headers) {
        List<Item> items = new ArrayList<>();
        List<String> users = headers.getOrDefault(USER, List.of());
        String user = users.isEmpty() ? "" : users.get(0);
        boolean hasUser = !user.isEmpty();
        if (hasUser) items.add(userItem(user));

        List<String> groups = headers.getOrDefault(GROUP, List.of());
        for (String g : groups) items.add(new Item(Kind.GROUP, "", g, ""));

        boolean hasExtra = false;
        // sorted so that the first refusal is the same on every request
        for (Map.Entry<String, List<String>> e : new TreeMap<>(headers).entrySet()) {
            if (!e.getKey().startsWith(EXTRA_PREFIX)) continue;
            hasExtra = true;
            String key = pathUnescape(e.getKey().substring(EXTRA_PREFIX.length()).toLowerCase(java.util.Locale.ROOT));
            for (String v : e.getValue()) items.add(new Item(Kind.EXTRA, "", v, key));
        }

        List<String> uids = headers.getOrDefault(UID, List.of());
        String uid = uids.isEmpty() ? "" : uids.get(0);
        boolean hasUid = !uid.isEmpty();
        if (hasUid) items.add(new Item(Kind.UID, "", uid, ""));

        if ((!groups.isEmpty() || hasExtra || hasUid) && !hasUser) {
            String shown = items.stream().map(Item::show).collect(Collectors.joining(" ", "[", "]"));
            throw Statuses.internal("requested " + shown + " without impersonating a user");
        }
        return items;
    }

    private static Item userItem(String user) {
        if (user.startsWith(Groups.SERVICEACCOUNT_USER_PREFIX)) {
            String[] parts = user.substring(Groups.SERVICEACCOUNT_USER_PREFIX.length()).split(":", -1);
            if (parts.length == 2 && validNamespace(parts[0]) && validName(parts[1])) {
                return new Item(Kind.SERVICE_ACCOUNT, parts[0], parts[1], "");
            }
        }
        return new Item(Kind.USER, "", user, "");
    }

    private static boolean validNamespace(String s) {
        return !s.isEmpty() && s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
    }

    private static boolean validName(String s) {
        return !s.isEmpty() && s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    /** As Go's url.PathUnescape; a malformed escape keeps the key as it came. */
    static String pathUnescape(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '%') { out.write(in[i]); continue; }
            if (i + 2 >= in.length) return s;
            int hi = Character.digit(in[i + 1], 16), lo = Character.digit(in[i + 2], 16);
            if (hi < 0 || lo < 0) return s;
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
