package io.portcullis.api;

import io.portcullis.api.Statuses.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Upstream's name, label and annotation rules, as field errors. */
public final class Validation {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL);
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    public static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public static final String QUALIFIED_NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    public static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    /** How a kind's object names are checked. */
    public enum NameRule { SUBDOMAIN, LABEL, PATH_SEGMENT }

    private Validation() {}

    public static boolean isDns1123Label(String s) {
        return s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
    }

    public static boolean isDns1123Subdomain(String s) {
        return s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    /** A label or annotation key: optional DNS subdomain prefix, '/', a name part of at most 63 characters. */
    public static boolean isQualifiedName(String key) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || !isDns1123Subdomain(prefix)) return false;
        }
        return !name.isEmpty() && name.length() <= 63 && QUALIFIED_NAME_PART.matcher(name).matches();
    }

    public static boolean isLabelValue(String value) {
        return value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
    }

    /** Errors of a label map (absent is fine), as upstream's ValidateLabels. */
    public static List<FieldError> labelErrors(JsonNode labels, String path) {
        List<FieldError> out = new ArrayList<>();
        if (labels != null && labels.isObject()) {
            for (Map.Entry<String, JsonNode> e : labels.properties()) {
                if (!isQualifiedName(e.getKey())) out.add(FieldError.invalid(path, e.getKey(), QUALIFIED_NAME_MSG));
                String v = e.getValue().isString() ? e.getValue().asString() : null;
                if (v != null && v.length() > 63) {
                    out.add(FieldError.invalid(path, v, "must be no more than 63 characters"));
                } else if (v == null || !isLabelValue(v)) {
                    out.add(FieldError.invalid(path, v == null ? e.getValue().toString() : v,
                            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
                }
            }
        } else if (labels != null && !labels.isNull()) {
            out.add(FieldError.invalid(path, labels.toString(), "must be a map of strings"));
        }
        return out;
    }

    /** Errors of a LabelSelector object, as upstream's ValidateLabelSelector. */
    public static List<FieldError> labelSelectorErrors(JsonNode selector, String path) {
        List<FieldError> out = labelErrors(selector.get("matchLabels"), path + ".matchLabels");
        JsonNode expressions = selector.path("matchExpressions");
        for (int i = 0; i < expressions.size(); i++) {
            JsonNode e = expressions.get(i);
            String at = path + ".matchExpressions[" + i + "]";
            String operator = Json.text(e, "operator");
            boolean values = e.path("values").size() > 0;
            switch (operator) {
                case "In", "NotIn" -> {
                    if (!values) out.add(FieldError.required(at + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                }
                case "Exists", "DoesNotExist" -> {
                    if (values) out.add(FieldError.forbidden(at + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                }
                default -> out.add(FieldError.notSupported(at + ".operator", operator, List.of("In", "NotIn", "Exists", "DoesNotExist")));
            }
            if (!isQualifiedName(Json.text(e, "key"))) out.add(FieldError.invalid(at + ".key", Json.text(e, "key"), QUALIFIED_NAME_MSG));
        }
        return out;
    }

    /** Errors of one object name under a rule; empty when valid. */
    public static List<String> nameErrors(NameRule rule, String name) {
        List<String> out = new ArrayList<>();
        switch (rule) {
            case SUBDOMAIN -> {
                if (name.length() > 253) out.add("must be no more than 253 characters");
                if (!DNS1123_SUBDOMAIN.matcher(name).matches()) out.add(SUBDOMAIN_MSG);
            }
            case LABEL -> {
                if (name.length() > 63) out.add("must be no more than 63 characters");
                if (!DNS1123_LABEL.matcher(name).matches()) out.add(LABEL_MSG);
            }
            case PATH_SEGMENT -> {
                if (name.equals(".") || name.equals("..")) out.add("may not be '" + name + "'");
                for (String bad : new String[] {"/", "%"}) {
                    if (name.contains(bad)) out.add("may not contain '" + bad + "'");
                }
            }
        }
        return out;
    }

    /** Label and annotation errors of metadata, as upstream's ValidateObjectMeta. */
    public static List<FieldError> metadataErrors(JsonNode metadata) {
        List<FieldError> out = labelErrors(metadata.get("labels"), "metadata.labels");
        JsonNode annotations = metadata.get("annotations");
        if (annotations != null && annotations.isObject()) {
            long total = 0;
            for (Map.Entry<String, JsonNode> e : annotations.properties()) {
                if (!isQualifiedName(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                    out.add(FieldError.invalid("metadata.annotations", e.getKey(),
                            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
                }
                total += e.getKey().length() + (e.getValue().isString() ? e.getValue().asString().length() : 0);
            }
            if (total > 256 * 1024) out.add(FieldError.tooLong("metadata.annotations", 256 * 1024));
        }
        return out;
    }

    private static final java.util.regex.Pattern CONFIG_KEY = java.util.regex.Pattern.compile("[-._a-zA-Z0-9]+");

    /**
     * Errors of a Secret's or ConfigMap's data map: keys as upstream's IsConfigMapKey, string
     * values; with {@code base64}, a value that is not standard base64 is a 400 naming where it
     * fails, never showing the value, as upstream's decoder answers.
     */
    public static List<FieldError> dataKeyErrors(ObjectNode o, String field, boolean base64) {
        List<FieldError> errs = new ArrayList<>();
        JsonNode data = o.get(field);
        if (data == null || data.isNull()) return errs;
        if (!data.isObject()) {
            errs.add(FieldError.invalid(field, data.toString(), "must be a map"));
            return errs;
        }
        for (Map.Entry<String, JsonNode> e : data.properties()) {
            String k = e.getKey();
            if (!CONFIG_KEY.matcher(k).matches() || k.length() > 253) {
                errs.add(FieldError.invalid(field + "[" + k + "]", k,
                        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }
            if (!e.getValue().isString() && !e.getValue().isNull()) {
                errs.add(FieldError.invalid(field + "[" + k + "]", e.getValue().toString(), "must be a string"));
            } else if (base64 && e.getValue().isString()) {
                int bad = badBase64At(e.getValue().asString());
                if (bad >= 0) {
                    String kind = Json.text(o, "kind");
                    throw Statuses.badRequest(kind + " in version \"v1\" cannot be handled as a " + kind
                            + ": illegal base64 data at input byte " + bad);
                }
            }
        }
        return errs;
    }

    /** The index of the first byte that makes the text invalid standard base64, or -1 when it decodes. */
    static int badBase64At(String text) {
        try {
            java.util.Base64.getDecoder().decode(text);
            return -1;
        } catch (IllegalArgumentException e) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                if (!ok) return i;
            }
            return text.length();
        }
    }

    /** As upstream: once {@code immutable} is set, it stays set and the fields named keep their values. */
    public static List<FieldError> immutableErrors(ObjectNode o, ObjectNode old, String... fields) {
        List<FieldError> errs = new ArrayList<>();
        if (!old.path("immutable").asBoolean(false)) return errs;
        if (!o.path("immutable").asBoolean(false)) errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
        for (String f : fields) {
            if (!o.path(f).equals(old.path(f))) errs.add(FieldError.forbidden(f, "field is immutable when `immutable` is set"));
        }
        return errs;
    }
}
