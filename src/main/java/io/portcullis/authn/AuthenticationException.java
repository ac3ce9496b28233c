package io.portcullis.authn;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A credential of an authenticator's kind was present and is bad: the request is 401 and never
 * anonymous. The message is for logs and TokenReview; it never holds the credential itself.
 */
public class AuthenticationException extends Exception {
    public AuthenticationException(String message) {
        super(message);
    }

    public static AuthenticationException aggregate(List<AuthenticationException> errors) {
        if (errors.size() == 1) return errors.get(0);
        return new AuthenticationException(errors.stream().map(Throwable::getMessage).collect(Collectors.joining("; ")));
    }
}
