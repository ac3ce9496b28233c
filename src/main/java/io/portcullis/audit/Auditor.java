package io.portcullis.audit;

import io.portcullis.api.Statuses;
import io.portcullis.authn.Credentials;
import io.portcullis.authn.UserInfo;
import io.portcullis.request.RequestInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Audits requests: the policy gives each its level, and the events go to every sink. Without a
 * policy or a sink nothing is audited (as upstream, a log path without a policy records nothing).
 */
public final class Auditor implements AutoCloseable {
    private final Policy policy;
    private final List<Sink> sinks;

    /** {@code policy} may be null, {@code sinks} empty: then nothing is audited (the sinks are still closed with it). */
    public Auditor(Policy policy, List<Sink> sinks) {
        this.policy = policy;
        this.sinks = List.copyOf(sinks);
    }

    public static Auditor off() {
        return new Auditor(null, List.of());
    }

    private boolean disabled() {
        return policy == null || sinks.isEmpty();
    }

    /**
     * A new audit ID. A version 4 UUID from a fast generator: an audit ID must be unique, not
     * secret, and every request has one.
     */
    public static String newAuditId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = (r.nextLong() & ~0xF000L) | 0x4000L;
        long low = (r.nextLong() & ~(3L << 62)) | (1L << 63);
        return new UUID(high, low).toString();
    }

    /**
     * An authenticated request begins: its level is the policy's for the user who authenticated,
     * and, unless None, its RequestReceived event goes out.
     *
     * @throws io.portcullis.api.ApiException 500 when that event cannot be stored (a blocking-strict sink that is failing)
     */
    public AuditEvent begin(UserInfo user, RequestInfo info, Supplier<Event.Origin> origin) {
        if (disabled()) return AuditEvent.NONE;
        Policy.Outcome outcome = policy.evaluate(user, info);
        if (outcome.level() == Level.NONE) return AuditEvent.NONE;
        AuditEvent event = new AuditEvent(this::process, outcome, origin.get(), user, info);
        if (!event.received()) throw Statuses.internal("failed to store audit event");
        return event;
    }

    /**
     * A request failed authentication (401): as upstream, one ResponseStarted event with no user,
     * at the level the policy gives a request of nobody, naming the methods tried, never the credentials.
     */
    public void unauthenticated(RequestInfo info, Supplier<Event.Origin> origin, Credentials credentials) {
        if (disabled()) return;
        Policy.Outcome outcome = policy.evaluate(null, info);
        if (outcome.level() == Level.NONE) return;
        new AuditEvent(this::process, outcome, origin.get(), null, info).unauthenticated(attempted(info, credentials));
    }

    /** Upstream's words for what a failed request tried: basic, bearer, access_token, x509. */
    static String attempted(RequestInfo info, Credentials credentials) {
        List<String> methods = new ArrayList<>();
        String authorization = credentials.authorizationHeaders().isEmpty() ? "" : credentials.authorizationHeaders().get(0);
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6) && decodesToUserAndPassword(authorization.substring(6))) methods.add("basic");
        String[] parts = authorization.strip().split(" ");
        if (parts.length > 1 && parts[0].toLowerCase(Locale.ROOT).equals("bearer")) methods.add("bearer");
        String accessToken = info.param("access_token");
        if (accessToken != null && !accessToken.isBlank()) methods.add("access_token");
        if (!credentials.peerCertificates().isEmpty()) methods.add("x509");
        return methods.isEmpty() ? "Authentication failed, no credentials provided"
                : "Authentication failed, attempted: " + String.join(", ", methods);
    }

    private static boolean decodesToUserAndPassword(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8).indexOf(':') >= 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean process(Event event) {
        boolean stored = true;
        for (Sink s : sinks) stored &= s.process(event);
        return stored;
    }

    @Override
    public void close() {
        sinks.forEach(Sink::close);
    }
}
