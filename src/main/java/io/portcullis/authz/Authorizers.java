package io.portcullis.authz;

import io.portcullis.authz.Authorizer.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Unions and simple authorizers; each returns an {@link Authorizer}. */
public final class Authorizers {
    private Authorizers() {}

    /**
     * Asks each authorizer in order: the first ALLOW or DENY wins. When everybody has no opinion,
     * the non-empty reasons are joined with newlines; if one of them failed to evaluate, that
     * failure is rethrown instead, so the request is a 500 rather than a 403.
     */
    public static Authorizer firstDecision(List<Authorizer> chain) {
        List<Authorizer> list = List.copyOf(chain);
        if (list.size() == 1) return list.get(0);
        return attributes -> {
            List<String> reasons = new ArrayList<>();
            List<AuthorizationException> errors = new ArrayList<>();
            for (Authorizer a : list) {
                Verdict v;
                try {
                    v = a.authorize(attributes);
                } catch (AuthorizationException e) {
                    errors.add(e);
                    continue;
                }
                if (v == null) throw new IllegalStateException("authorizer " + a + " returned null");
                if (v.decision() != Decision.NO_OPINION) return v;
                if (v.reason() != null && !v.reason().isEmpty()) reasons.add(v.reason());
            }
            if (errors.size() == 1) throw errors.get(0);
            if (!errors.isEmpty()) {
                // as upstream's aggregate error: "[a, b]"
                AuthorizationException all = new AuthorizationException(errors.stream().map(Throwable::getMessage)
                        .collect(Collectors.joining(", ", "[", "]")));
                errors.forEach(all::addSuppressed);
                throw all;
            }
            return Verdict.noOpinion(String.join("\n", reasons));
        };
    }

    /**
     * The same decisions, each ALLOW or not recorded for the request's user; a failure to evaluate
     * is not a decision and is not recorded.
     */
    public static Authorizer recording(Authorizer authorizer, AccessRecorder recorder) {
        return attributes -> {
            Verdict v = authorizer.authorize(attributes);
            recorder.record(attributes, v != null && v.decision() == Decision.ALLOW);
            return v;
        };
    }

    /** ALLOW for any user in one of the groups (kube-apiserver puts system:masters first), else NO_OPINION. */
    public static Authorizer privilegedGroups(String... groups) {
        Set<String> privileged = Set.of(groups);
        return attributes -> {
            for (String g : attributes.user().groups()) {
                if (privileged.contains(g)) return Verdict.allow("");
            }
            return Verdict.noOpinion("");
        };
    }

    /** --authorization-mode=AlwaysAllow. */
    public static Authorizer alwaysAllow() {
        return attributes -> Verdict.allow("");
    }

    /**
     * --authorization-mode=AlwaysDeny. As upstream this is a NO_OPINION with reason
     * "Everything is forbidden.", so a later authorizer in the chain may still allow.
     */
    public static Authorizer alwaysDeny() {
        return attributes -> Verdict.noOpinion("Everything is forbidden.");
    }
}
