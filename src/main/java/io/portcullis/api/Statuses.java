package io.portcullis.api;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.ListMeta;
import java.util.List;
import java.util.stream.Collectors;

/** Every Status the server sends, with upstream's code, reason and wording. */
public final class Statuses {
    private Statuses() {}

    /** One field error of an Invalid (422) Status, as upstream's field.Error. */
    public record FieldError(String type, String field, String message) {
        public static FieldError required(String field, String detail) {
            return new FieldError("FieldValueRequired", field, field + ": Required value" + suffix(detail));
        }
        public static FieldError invalid(String field, Object value, String detail) {
            return new FieldError("FieldValueInvalid", field, field + ": Invalid value: " + show(value) + suffix(detail));
        }
        /** An invalid value already rendered as upstream prints it (a Go struct, say): not quoted again. */
        public static FieldError invalidRendered(String field, String rendered, String detail) {
            return new FieldError("FieldValueInvalid", field, field + ": Invalid value: " + rendered + suffix(detail));
        }
        public static FieldError forbidden(String field, String detail) {
            return new FieldError("FieldValueForbidden", field, field + ": Forbidden" + suffix(detail));
        }
        public static FieldError notSupported(String field, Object value, List<String> supported) {
            String s = supported.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", "));
            return new FieldError("FieldValueNotSupported", field,
                    field + ": Unsupported value: " + show(value) + ": supported values: " + s);
        }
        public static FieldError duplicate(String field, Object value) {
            return new FieldError("FieldValueDuplicate", field, field + ": Duplicate value: " + show(value));
        }
        public static FieldError tooLong(String field, int max) {
            return new FieldError("FieldValueTooLong", field, field + ": Too long: may not be more than " + max + " bytes");
        }
        private static String suffix(String detail) {
            return detail == null || detail.isEmpty() ? "" : ": " + detail;
        }
        private static String show(Object value) {
            if (value == null) return "null";
            if (value instanceof String s) return quote(s);
            return String.valueOf(value);
        }
    }

    /**
     * A client's text quoted as upstream's messages quote it (Go's %q): printable characters as they
     * are, quotes and backslashes escaped, control and other invisible characters as escapes, so that
     * no message or warning carries them raw.
     */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (printable(c)) b.appendCodePoint(c);
                    else if (c < 0x80) b.append("\\x%02x".formatted(c));
                    else if (c <= 0xFFFF) b.append("\\u%04x".formatted(c));
                    else b.append("\\U%08x".formatted(c));
                }
            }
        }
        return b.append('"').toString();
    }

    private static boolean printable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    public static ApiException badRequest(String message) {
        return new ApiException(base(400, "BadRequest", message).build());
    }

    public static ApiException unauthorized() {
        return new ApiException(base(401, "Unauthorized", "Unauthorized").build());
    }

    public static ApiException notFound(GroupResource gr, String name) {
        return failure(404, "NotFound", "%s \"%s\" not found".formatted(gr, name), gr, name);
    }

    /** A 404 for a path that names nothing the server serves. */
    public static ApiException notFoundPath() {
        return new ApiException(base(404, "NotFound", "the server could not find the requested resource")
                .withDetails(details("", "", "", List.of(new StatusCause(null, "the server could not find the requested resource", "UnexpectedServerResponse")))).build());
    }

    /** What a delete answers for kinds that do not return the deleted object: Success, naming it (details.kind is the resource). */
    public static Status deleted(GroupResource gr, String name, String uid) {
        StatusDetails d = details(gr.group(), gr.resource(), name, List.of());
        if (uid != null && !uid.isEmpty()) d.setUid(uid);
        return new StatusBuilder().withApiVersion("v1").withKind("Status").withMetadata(new ListMeta()).withStatus("Success")
                .withDetails(d).build();
    }

    public static ApiException alreadyExists(GroupResource gr, String name) {
        return failure(409, "AlreadyExists", "%s \"%s\" already exists".formatted(gr, name), gr, name);
    }

    public static ApiException conflict(GroupResource gr, String name, String why) {
        return failure(409, "Conflict", "Operation cannot be fulfilled on %s \"%s\": %s".formatted(gr, name, why), gr, name);
    }

    /** The stale-resourceVersion conflict of an update. */
    public static ApiException modified(GroupResource gr, String name) {
        return conflict(gr, name, "the object has been modified; please apply your changes to the latest version and try again");
    }

    public static ApiException gone(String message) {
        return new ApiException(base(410, "Expired", message).build());
    }

    /** 403 with a preformed message, as upstream's NewForbidden: "<gr> \"<name>\" is forbidden: <why>". */
    public static ApiException forbidden(GroupResource gr, String name, String why) {
        String message;
        if (gr.resource().isEmpty()) message = "forbidden: " + why;
        else if (name == null || name.isEmpty()) message = gr + " is forbidden: " + why;
        else message = "%s \"%s\" is forbidden: %s".formatted(gr, name, why);
        return failure(403, "Forbidden", message, gr, name);
    }

    /** 422: "<Kind>[.<group>] \"<name>\" is invalid: <errors>", details.kind the Kind. */
    public static ApiException invalid(String group, String kind, String name, List<FieldError> errors) {
        String qualified = group == null || group.isEmpty() ? kind : kind + "." + group;
        String joined = errors.size() == 1 ? errors.get(0).message()
                : "[" + errors.stream().map(FieldError::message).collect(Collectors.joining(", ")) + "]";
        String message = "%s \"%s\" is invalid: %s".formatted(qualified, name == null ? "" : name, joined);
        // as upstream, a cause's message is the error without its field, which the cause names apart (kubectl prints "field: message")
        List<StatusCause> causes = errors.stream().map(e -> new StatusCause(e.field(),
                e.message().startsWith(e.field() + ": ") ? e.message().substring(e.field().length() + 2) : e.message(), e.type())).toList();
        return new ApiException(base(422, "Invalid", message).withDetails(details(group, kind, name, causes)).build());
    }

    public static ApiException methodNotAllowed(String verb, GroupResource gr) {
        return new ApiException(base(405, "MethodNotAllowed",
                "%s is not supported on resources of kind \"%s\"".formatted(verb, gr))
                .withDetails(details(gr.group(), gr.resource(), "", List.of())).build());
    }

    /** 405 for a method the path does not take (POST on an object, PUT on a collection, DELETE on status). */
    public static ApiException methodNotAllowed() {
        return new ApiException(base(405, "MethodNotAllowed", "the server does not allow this method on the requested resource").build());
    }

    public static ApiException notAcceptable(String message) {
        return new ApiException(base(406, "NotAcceptable", message).build());
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return unsupportedMediaType(contentType, List.of("application/json", "application/yaml", "application/vnd.kubernetes.protobuf"));
    }

    public static ApiException unsupportedMediaType(String contentType, List<String> accepted) {
        return new ApiException(base(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                + String.join(", ", accepted)).build());
    }

    public static ApiException requestEntityTooLarge(String message) {
        return new ApiException(base(413, "RequestEntityTooLarge", message).build());
    }

    /** 429 with upstream's words; clients wait a second (details.retryAfterSeconds, and the Retry-After header) and retry. */
    public static ApiException tooManyRequests() {
        StatusDetails d = new StatusDetails();
        d.setRetryAfterSeconds(1);
        return new ApiException(base(429, "TooManyRequests", "Too many requests, please try again later.").withDetails(d).build());
    }

    /** 504 as upstream's request deadline words it: "Timeout: " and what timed out; the operation may still complete. */
    public static ApiException timeout(String message) {
        return new ApiException(base(504, "Timeout", "Timeout: " + message).build());
    }

    public static ApiException internal(String message) {
        return new ApiException(base(500, "InternalError", "Internal error occurred: " + message).build());
    }

    /**
     * 500 ServerTimeout, upstream's words when its storage could not be reached in time. Unlike
     * upstream no Retry-After is given: clients would repeat the wait up to ten times before the user
     * hears of it.
     */
    public static ApiException serverTimeout(GroupResource gr, String operation) {
        StatusDetails d = details(gr.group(), gr.resource(), operation, List.of());
        return new ApiException(base(500, "ServerTimeout",
                "The %s operation against %s could not be completed at this time, please try again.".formatted(operation, gr))
                .withDetails(d).build());
    }

    /**
     * 500 with no reason and the error's own words: upstream's answer to an error that is not a
     * Status, such as etcd refusing a request ("etcdserver: request is too large").
     */
    public static ApiException unknown(String message) {
        return new ApiException(base(500, null, message).build());
    }

    public static ApiException serviceUnavailable(String message) {
        return new ApiException(base(503, "ServiceUnavailable", message).build());
    }

    /** A Status of any code and reason (for example the 409 of a server-side apply conflict). */
    public static ApiException of(int code, String reason, String message, StatusDetails details) {
        return new ApiException(base(code, reason, message).withDetails(details).build());
    }

    /** A success Status, as a delete that returns no object answers. */
    public static Status success(String group, String kind, String name, String uid) {
        StatusDetails d = details(group, kind, name, List.of());
        if (uid != null && !uid.isEmpty()) d.setUid(uid);
        return new StatusBuilder().withApiVersion("v1").withKind("Status").withMetadata(new ListMeta())
                .withStatus("Success").withCode(200).withDetails(d).build();
    }

    private static ApiException failure(int code, String reason, String message, GroupResource gr, String name) {
        return new ApiException(base(code, reason, message).withDetails(details(gr.group(), gr.resource(), name, List.of())).build());
    }

    private static StatusBuilder base(int code, String reason, String message) {
        return new StatusBuilder().withApiVersion("v1").withKind("Status").withMetadata(new ListMeta())
                .withStatus("Failure").withCode(code).withReason(reason).withMessage(message);
    }

    private static StatusDetails details(String group, String kind, String name, List<StatusCause> causes) {
        StatusDetails d = new StatusDetails();
        if (group != null && !group.isEmpty()) d.setGroup(group);
        if (kind != null && !kind.isEmpty()) d.setKind(kind);
        if (name != null && !name.isEmpty()) d.setName(name);
        if (!causes.isEmpty()) d.setCauses(causes);
        return d;
    }
}
