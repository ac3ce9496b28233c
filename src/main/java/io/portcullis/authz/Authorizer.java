package io.portcullis.authz;

/** May this user do this? NO_OPINION passes the question on; nobody answering means deny. */
@FunctionalInterface
public interface Authorizer {
    /** Throws {@link AuthorizationException} when the question could not be evaluated. */
    Verdict authorize(Attributes attributes);

    record Verdict(Decision decision, String reason) {
        public static Verdict allow(String reason) { return new Verdict(Decision.ALLOW, reason); }
        public static Verdict deny(String reason) { return new Verdict(Decision.DENY, reason); }
        public static Verdict noOpinion(String reason) { return new Verdict(Decision.NO_OPINION, reason); }
        public boolean allowed() { return decision == Decision.ALLOW; }
    }
}
