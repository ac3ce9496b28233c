package io.portcullis.audit;

/** How much of a request an event records, in upstream's order: each level has all of the one before it. */
public enum Level {
    NONE,
    /** who, what, when, the response's status and the annotations; no bodies */
    METADATA,
    /** and the request's body, for resource requests */
    REQUEST,
    /** and the response's body, for resource requests */
    REQUEST_RESPONSE;

    public boolean atLeast(Level other) {
        return compareTo(other) >= 0;
    }

    /** Upstream's name: RequestResponse. */
    @Override
    public String toString() {
        return pascalCase(name());
    }

    /** REQUEST_RESPONSE as upstream writes it, RequestResponse. */
    static String pascalCase(String constant) {
        StringBuilder out = new StringBuilder(constant.length());
        boolean upper = true;
        for (char c : constant.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return out.toString();
    }
}
