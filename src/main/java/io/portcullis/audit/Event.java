package io.portcullis.audit;

import io.portcullis.authn.UserInfo;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One audit.k8s.io/v1 Event: what a request's {@link AuditEvent} held when it reached a stage.
 * Immutable; sinks encode it off the request path, bodies included ({@code requestBody} and
 * {@code responseBody} are the bytes as sent, decoded only when written).
 *
 * @param user             null for a request that did not authenticate (written as {@code {}})
 * @param impersonatedUser null unless the request impersonated someone
 * @param objectRef        null for a non-resource request
 * @param responseStatus   null at RequestReceived
 * @param requestBody      null unless the event records it or takes the object's name from it
 * @param responseBody     null below RequestResponse
 */
public record Event(Level level, Stage stage, Origin origin, String verb, UserInfo user, UserInfo impersonatedUser,
                    ObjectRef objectRef, ResponseStatus responseStatus, Body requestBody, Body responseBody,
                    Instant stageTimestamp, Map<String, String> annotations, boolean omitManagedFields) {

    /**
     * What the transport knows of a request: its audit ID (the client's Audit-ID header, else a
     * new one), when it arrived, the URI as sent, the User-Agent (at most 1024 characters and a
     * marker) and the source IPs (X-Forwarded-For, then X-Real-Ip, then the peer's address).
     */
    public record Origin(String auditId, Instant received, String requestUri, String userAgent, List<String> sourceIps) {
        private static final int MAX_USER_AGENT = 1024;
        private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

        public Origin {
            sourceIps = List.copyOf(sourceIps);
        }

        /**
         * As upstream reads them: every valid IP of the first X-Forwarded-For header, then
         * X-Real-Ip's unless already listed, then the peer's address unless it is the last one
         * listed. Anything that is not an IP address is skipped (and never looked up).
         */
        public static Origin of(String auditId, Instant received, String requestUri, String userAgent, String forwardedFor,
                                String realIp, String remoteAddress) {
            List<String> ips = new ArrayList<>();
            if (forwardedFor != null) {
                for (String part : forwardedFor.split(",")) {
                    String ip = ip(part.strip());
                    if (ip != null) ips.add(ip);
                }
            }
            String real = realIp == null ? null : ip(realIp);
            if (real != null && !ips.contains(real)) ips.add(real);
            String remote = remoteAddress == null ? null : ip(remoteAddress);
            if (remote != null && (ips.isEmpty() || !ips.get(ips.size() - 1).equals(remote))) ips.add(remote);
            String agent = userAgent == null ? "" : userAgent;
            if (agent.length() > MAX_USER_AGENT) agent = agent.substring(0, MAX_USER_AGENT) + "...TRUNCATED";
            return new Origin(auditId, received, requestUri, agent, ips);
        }

        /** The address in canonical form, or null when the text is not an IP address. */
        private static String ip(String text) {
            Matcher m = IPV4.matcher(text);
            if (m.matches()) {
                StringBuilder out = new StringBuilder(15);
                for (int i = 1; i <= 4; i++) {
                    int octet = Integer.parseInt(m.group(i));
                    if (octet > 255) return null;
                    out.append(i > 1 ? "." : "").append(octet);
                }
                return out.toString();
            }
            // a literal with a colon is parsed as IPv6 and never resolved; anything else is not an address here
            if (text.indexOf(':') < 0 || text.charAt(0) == '.' || !text.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) return null;
            try {
                return InetAddress.getByName(text).getHostAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
    }

    /** The resource a request is about, from its URL (and, for a create or update, from its body's metadata). */
    public record ObjectRef(String resource, String namespace, String name, String apiGroup, String apiVersion, String subresource) {}

    /**
     * The response's code; for a response that was a Status, its JSON ({@code statusJson}), from
     * which status, message, reason and details are taken; otherwise what the server says itself
     * (a failed authentication, a panic, a client gone before any response).
     */
    public record ResponseStatus(int code, String status, String message, String reason, byte[] statusJson) {
        static ResponseStatus code(int code) {
            return new ResponseStatus(code, null, null, null, null);
        }
    }

    /** A body as it was sent, with its content type. */
    public record Body(String contentType, byte[] bytes) {}
}
