package io.portcullis.api.patch;

import io.fabric8.kubernetes.api.model.StatusDetails;
import io.portcullis.api.ApiException;
import io.portcullis.api.Statuses;

/**
 * A patch that cannot be applied, with the code, reason and message kube-apiserver answers.
 *
 * <p>What upstream's patch handler (apiserver endpoints/handlers/patch.go) returns:
 * <ul>
 *   <li>a JSON patch body that does not decode: 400 BadRequest, the decoder's message;</li>
 *   <li>a JSON patch that decodes but fails to apply (unknown op, missing path, failed test, index
 *       out of bounds): 422 Invalid built by NewGenericServerResponse without causes, so the message is
 *       the generic {@value #INVALID_MESSAGE} and {@code details} is empty; the specific reason is kept
 *       here only in {@link #detail()} (for logs), as upstream drops it from the Status;</li>
 *   <li>a merge patch that is not a JSON object: 400 BadRequest;</li>
 *   <li>strategic merge patch format errors (bad directive, bad $retainKeys, bad $setElementOrder,
 *       bad $deleteFromPrimitiveList): 400 BadRequest with the error text; a patch whose content does
 *       not match its $retainKeys, or a list of lists: 422 Invalid (generic message, as above).</li>
 * </ul>
 */
public final class PatchException extends RuntimeException {
    /** The message of upstream's NewGenericServerResponse for a 422. */
    public static final String INVALID_MESSAGE = "the server rejected our request due to an error in our request";

    private final int code;
    private final String reason;
    private final String detail;

    private PatchException(int code, String reason, String message, String detail) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.detail = detail;
    }

    /** 400 BadRequest; the message is shown to the client. */
    public static PatchException badRequest(String message) {
        return new PatchException(400, "BadRequest", message, message);
    }

    /** 422 Invalid with upstream's generic message; {@code detail} says what failed. */
    public static PatchException invalid(String detail) {
        return new PatchException(422, "Invalid", INVALID_MESSAGE, detail);
    }

    /** 413, when a JSON patch holds more operations than upstream's limit. */
    static PatchException tooLarge(String message) {
        return new PatchException(413, "RequestEntityTooLarge", "Request entity too large: " + message, message);
    }

    public int code() { return code; }

    public String reason() { return reason; }

    /** What precisely failed (the JSON patch library's error in upstream); not part of the Status. */
    public String detail() { return detail; }

    /** The Status the REST layer sends. */
    public ApiException toApiException() {
        // as upstream's generic server response: the fixed message, the patch's own error as the cause
        StatusDetails details = new StatusDetails();
        if (detail() != null && !detail().isEmpty()) {
            details.setCauses(java.util.List.of(new io.fabric8.kubernetes.api.model.StatusCause(null, detail(), "UnexpectedServerResponse")));
        }
        return Statuses.of(code, reason, getMessage(), details);
    }
}
