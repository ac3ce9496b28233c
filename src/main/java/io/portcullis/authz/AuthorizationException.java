package io.portcullis.authz;

/** An authorizer could not evaluate a request (a webhook down, say). */
public class AuthorizationException extends RuntimeException {
    public AuthorizationException(String message, Throwable cause) {
        super(message, cause);
    }

    public AuthorizationException(String message) {
        super(message);
    }
}
