package io.portcullis.server;

import io.portcullis.api.Statuses;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * How long a request may take, as kube-apiserver decides it. A request that is not long-running
 * has --request-timeout, or less when its {@code ?timeout=} (a Go duration) asks for less; past
 * that it is answered 504. A watch is long-running: it lasts its {@code timeoutSeconds}, or, when
 * it names none (or 0), a random time between --min-request-timeout and twice that, so that
 * watches opened together do not all end, and come back, together.
 */
final class Deadlines {
    static final String TIMED_OUT = "request did not complete within requested timeout - context deadline exceeded";
    private static final Map<String, BigDecimal> UNITS = Map.of(
            "ns", BigDecimal.ONE, "us", BigDecimal.valueOf(1_000), "\u00b5s", BigDecimal.valueOf(1_000),
            "\u03bcs", BigDecimal.valueOf(1_000), "ms", BigDecimal.valueOf(1_000_000), "s", BigDecimal.valueOf(1_000_000_000L),
            "m", BigDecimal.valueOf(60_000_000_000L), "h", BigDecimal.valueOf(3_600_000_000_000L));
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private Deadlines() {}

    /**
     * The deadline of a request that is not long-running: {@code max} unless {@code timeoutParam}
     * asks for less (0 or more than {@code max} mean {@code max}); a zero {@code max} means none
     * (null). A malformed value is 400 with upstream's words.
     */
    static Duration forRequest(String timeoutParam, Duration max) {
        Duration asked = null;
        if (timeoutParam != null && !timeoutParam.isEmpty()) {
            try {
                asked = parseGo(timeoutParam);
            } catch (IllegalArgumentException e) {
                throw Statuses.badRequest("invalid timeout specified in the request URL - " + e.getMessage());
            }
        }
        if (max.isZero()) return asked != null && !asked.isNegative() && !asked.isZero() ? asked : null;
        return asked != null && !asked.isNegative() && !asked.isZero() && asked.compareTo(max) < 0 ? asked : max;
    }

    /** A watch's lifetime in seconds: its own when positive, else min-request-timeout * (1 + [0, 1)); 0 is forever. */
    static double watchSeconds(long timeoutSeconds, Duration minRequestTimeout, RandomGenerator random) {
        if (timeoutSeconds > 0) return timeoutSeconds;
        return minRequestTimeout.toMillis() / 1000.0 * (1 + random.nextDouble());
    }

    /**
     * A duration in Go's syntax ({@code time.ParseDuration}): an optional sign, then one or more
     * decimal numbers each with a unit (ns, us, µs, ms, s, m, h), as "300ms", "1.5h" or "2h45m";
     * "0" alone needs no unit. Errors carry Go's words.
     */
    static Duration parseGo(String text) {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) return Duration.ZERO;
        if (s.isEmpty()) throw invalid(text);
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) i++;
            boolean whole = i > start;
            int dot = i;
            boolean fraction = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int f = i;
                while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) i++;
                fraction = i > f;
            }
            if (!whole && !fraction) throw invalid(text);
            BigDecimal number = new BigDecimal((whole ? s.substring(start, dot) : "0") + (fraction ? s.substring(dot, i) : ""));
            int u = i;
            while (i < s.length() && s.charAt(i) != '.' && !(Character.isDigit(s.charAt(i)) && s.charAt(i) < 128)) i++;
            if (u == i) throw new IllegalArgumentException("time: missing unit in duration " + quote(text));
            String unit = s.substring(u, i);
            BigDecimal scale = UNITS.get(unit);
            if (scale == null) throw new IllegalArgumentException("time: unknown unit " + quote(unit) + " in duration " + quote(text));
            total = total.add(number.multiply(scale));
            if (total.compareTo(MAX_NANOS) > 0) throw invalid(text);
        }
        long nanos = total.longValue();
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("time: invalid duration " + quote(text));
    }

    /** Go's %q, enough for what a query parameter carries. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
