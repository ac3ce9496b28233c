package io.portcullis.tokens;

/** A token of ours that is bad: tampered, expired, for another audience, signed by an unknown key. Never holds the token. */
public class InvalidTokenException extends Exception {
    public InvalidTokenException(String message) {
        super(message);
    }
}
