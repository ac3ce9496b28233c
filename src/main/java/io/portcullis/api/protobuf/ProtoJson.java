package io.portcullis.api.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Descriptor-driven conversion of a Kubernetes proto2 message into the JSON tree upstream's JSON
 * encoding gives for the same Go object.
 *
 * <p>Presence rule. Go's protobuf encoder writes every non-pointer scalar (so "", 0 and false
 * arrive), pointer fields only when non-nil, non-pointer structs always and pointer structs only
 * when non-nil. The JSON tree is built from what is set:
 * <ul>
 *   <li>a set string or bytes field that is empty is dropped (Go's JSON drops it under omitempty,
 *       and absent and "" decode to the same Go value otherwise);
 *   <li>a set bool or number is kept, even false or 0, because it may be a pointer field where
 *       false is meaningful ({@code automountServiceAccountToken: false}); the few non-pointer
 *       omitempty numbers and bools that would otherwise show up on every object
 *       ({@code metadata.generation}, a container's {@code tty}...) are dropped when zero, see
 *       {@link #DROPPED_WHEN_ZERO};
 *   <li>a set message is kept, even empty ({@code "spec": {}}), as Go's JSON writes structs;
 *       a zero Time or MicroTime becomes absent (Go writes null);
 *   <li>repeated fields and maps appear when they have elements; list elements and map values are
 *       kept as they are, empty strings included ({@code apiGroups: [""]}, a label with no value).
 * </ul>
 */
final class ProtoJson {
    private final ProtobufBodies bodies;

    /** {@code bodies} decodes the envelopes embedded in raw extensions. */
    ProtoJson(ProtobufBodies bodies) {
        this.bodies = bodies;
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final String TIME = META + "Time";
    private static final String MICRO_TIME = META + "MicroTime";
    private static final String DURATION = META + "Duration";
    private static final String FIELDS_V1 = META + "FieldsV1";
    private static final String VERBS = META + "Verbs";
    private static final String QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
    private static final String QUANTITY_VALUE = "k8s.io.apimachinery.pkg.api.resource.QuantityValue";
    private static final String INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
    private static final String RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";

    /** Proto field names that differ from the Go JSON tag, keyed by the proto field's full name. */
    static final Map<String, String> RENAMED = Map.of(
            "k8s.io.api.authentication.v1.BoundObjectReference.uID", "uid",
            "k8s.io.api.networking.v1.IngressClassParametersReference.aPIGroup", "apiGroup",
            "k8s.io.api.admissionregistration.v1.MutatingWebhookConfiguration.Webhooks", "webhooks",
            "k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration.Webhooks", "webhooks",
            "k8s.io.api.admissionregistration.v1.Validation.Expression", "expression",
            "k8s.io.api.admissionregistration.v1.Variable.Name", "name",
            "k8s.io.api.admissionregistration.v1.Variable.Expression", "expression");

    /** Go structs embedded with {@code json:",inline"}: their fields belong to the enclosing object. */
    static final Set<String> INLINED = Set.of(
            "k8s.io.api.core.v1.Volume.volumeSource",
            "k8s.io.api.core.v1.Probe.handler",
            "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
            "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
            "k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapProjection.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference",
            "k8s.io.api.core.v1.SecretEnvSource.localObjectReference",
            "k8s.io.api.core.v1.SecretKeySelector.localObjectReference",
            "k8s.io.api.core.v1.SecretProjection.localObjectReference",
            "k8s.io.api.networking.v1.IngressRule.ingressRuleValue",
            "k8s.io.api.admissionregistration.v1.NamedRuleWithOperations.ruleWithOperations",
            "k8s.io.api.admissionregistration.v1.RuleWithOperations.rule");

    /**
     * Non-pointer Go numbers and bools tagged omitempty that Go's protobuf encoder always writes: a
     * zero here means "not given", and JSON would not carry it. Pointer fields are never listed.
     */
    static final Set<String> DROPPED_WHEN_ZERO = Set.of(
            META + "ObjectMeta.generation",
            META + "Condition.observedGeneration",
            META + "Status.code",
            META + "StatusDetails.retryAfterSeconds",
            "k8s.io.api.core.v1.Event.count",
            "k8s.io.api.core.v1.EventSeries.count",
            "k8s.io.api.core.v1.PodSpec.hostNetwork",
            "k8s.io.api.core.v1.PodSpec.hostPID",
            "k8s.io.api.core.v1.PodSpec.hostIPC",
            "k8s.io.api.core.v1.Container.stdin",
            "k8s.io.api.core.v1.Container.stdinOnce",
            "k8s.io.api.core.v1.Container.tty",
            "k8s.io.api.core.v1.EphemeralContainerCommon.stdin",
            "k8s.io.api.core.v1.EphemeralContainerCommon.stdinOnce",
            "k8s.io.api.core.v1.EphemeralContainerCommon.tty",
            "k8s.io.api.core.v1.ContainerPort.hostPort",
            "k8s.io.api.core.v1.Probe.initialDelaySeconds",
            "k8s.io.api.core.v1.Probe.timeoutSeconds",
            "k8s.io.api.core.v1.Probe.periodSeconds",
            "k8s.io.api.core.v1.Probe.successThreshold",
            "k8s.io.api.core.v1.Probe.failureThreshold",
            "k8s.io.api.core.v1.VolumeMount.readOnly",
            "k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource.readOnly",
            "k8s.io.api.authentication.v1.TokenReviewStatus.authenticated",
            "k8s.io.api.authorization.v1.SubjectAccessReviewStatus.denied");

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final long MIN_SECONDS = -62135596800L;   // 0001-01-01T00:00:00Z
    private static final long MAX_SECONDS = 253402300799L;   // 9999-12-31T23:59:59Z

    ObjectNode toJson(Message message) {
        return toJson(message, 0);
    }

    ObjectNode toJson(Message message, int depth) {
        ObjectNode out = Json.object();
        fill(out, message, depth);
        return out;
    }

    private void fill(ObjectNode out, Message message, int depth) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.isMapField()) {
                if (message.getRepeatedFieldCount(field) > 0) out.set(jsonName(field), map(message, field, depth));
            } else if (field.isRepeated()) {
                int n = message.getRepeatedFieldCount(field);
                if (n == 0) continue;
                ArrayNode array = out.putArray(jsonName(field));
                for (int i = 0; i < n; i++) array.add(element(field, message.getRepeatedField(field, i), depth));
            } else if (message.hasField(field)) {
                Object value = message.getField(field);
                if (INLINED.contains(field.getFullName()) && value instanceof Message inner) {
                    fill(out, inner, depth);
                    continue;
                }
                JsonNode node = single(field, value, depth);
                if (node != null) out.set(jsonName(field), node);
            }
        }
    }

    private static String jsonName(FieldDescriptor field) {
        return RENAMED.getOrDefault(field.getFullName(), field.getName());
    }

    /** A singular field's JSON, or null when JSON would leave it out. */
    private JsonNode single(FieldDescriptor field, Object value, int depth) {
        switch (field.getJavaType()) {
            case STRING:
                String s = (String) value;
                return s.isEmpty() ? null : NODES.stringNode(s);
            case BYTE_STRING:
                ByteString b = (ByteString) value;
                return b.isEmpty() ? null : base64(b);
            case MESSAGE:
                return message((Message) value, depth);
            default:
                if (DROPPED_WHEN_ZERO.contains(field.getFullName()) && isZero(value)) return null;
                return scalar(field, value);
        }
    }

    /** A list element or map value: kept as it is, empty or not. */
    private JsonNode element(FieldDescriptor field, Object value, int depth) {
        switch (field.getJavaType()) {
            case STRING:
                return NODES.stringNode((String) value);
            case BYTE_STRING:
                return base64((ByteString) value);
            case MESSAGE:
                JsonNode node = message((Message) value, depth);
                return node == null ? NODES.nullNode() : node;
            default:
                return scalar(field, value);
        }
    }

    private ObjectNode map(Message message, FieldDescriptor field, int depth) {
        Descriptor entry = field.getMessageType();
        FieldDescriptor keyField = entry.findFieldByNumber(1);
        FieldDescriptor valueField = entry.findFieldByNumber(2);
        ObjectNode out = Json.object();
        for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
            Message e = (Message) message.getRepeatedField(field, i);
            String key = String.valueOf(e.getField(keyField));
            out.set(key, element(valueField, e.getField(valueField), depth));
        }
        return out;
    }

    /** A nested message, with Kubernetes' custom JSON types; null when JSON would give null. */
    private JsonNode message(Message m, int depth) {
        Descriptor d = m.getDescriptorForType();
        switch (d.getFullName()) {
            case TIME:
                return time(m, SECONDS);
            case MICRO_TIME:
                return time(m, MICROS);
            case DURATION:
                return NODES.stringNode(goDuration(longField(m, "duration")));
            case QUANTITY:
            case QUANTITY_VALUE:
                return NODES.stringNode(stringField(m, "string"));
            case INT_OR_STRING:
                return longField(m, "type") == 1
                        ? NODES.stringNode(stringField(m, "strVal"))
                        : NODES.numberNode((int) longField(m, "intVal"));
            case RAW_EXTENSION:
                return embedded((ByteString) m.getField(d.findFieldByNumber(1)), depth);
            case FIELDS_V1:
                return json((ByteString) m.getField(d.findFieldByNumber(1)), "fieldsV1");
            default:
                if (isItemsWrapper(d)) {
                    ArrayNode items = NODES.arrayNode();
                    FieldDescriptor f = d.findFieldByName("items");
                    for (int i = 0; i < m.getRepeatedFieldCount(f); i++) items.add(NODES.stringNode((String) m.getRepeatedField(f, i)));
                    return items;
                }
                return toJson(m, depth);
        }
    }

    /** Go named slices ([]string) that go-to-protobuf wraps in a message with one repeated "items". */
    private static boolean isItemsWrapper(Descriptor d) {
        return (d.getName().equals("ExtraValue") || d.getFullName().equals(VERBS))
                && d.getFields().size() == 1 && d.getFields().get(0).getName().equals("items");
    }

    private static JsonNode time(Message m, DateTimeFormatter format) {
        long seconds = longField(m, "seconds");
        long nanos = longField(m, "nanos");
        // Go encodes the zero time as an empty message, and its JSON is null
        if (seconds == 0 && nanos == 0) return null;
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
            throw Statuses.badRequest("protobuf time out of range: seconds " + seconds + ", nanos " + nanos);
        }
        return NODES.stringNode(format.format(Instant.ofEpochSecond(seconds, nanos)));
    }

    /** An object embedded in raw bytes: a nested protobuf envelope, or JSON. */
    private JsonNode embedded(ByteString raw, int depth) {
        if (raw.isEmpty()) return NODES.nullNode();
        if (ProtobufBodies.hasMagic(raw)) return bodies.decode(raw.toByteArray(), depth + 1);
        return json(raw, "runtime.RawExtension");
    }

    private static JsonNode json(ByteString raw, String what) {
        if (raw.isEmpty()) return null;
        try {
            return Json.tree(raw.toByteArray());
        } catch (JacksonException e) {
            throw Statuses.badRequest("protobuf " + what + " does not hold valid JSON: " + e.getOriginalMessage());
        }
    }

    private static JsonNode scalar(FieldDescriptor field, Object value) {
        switch (field.getType()) {
            case BOOL:
                return NODES.booleanNode((Boolean) value);
            case INT32: case SINT32: case SFIXED32:
                return NODES.numberNode((Integer) value);
            case UINT32: case FIXED32:
                return integral(Integer.toUnsignedLong((Integer) value));
            case INT64: case SINT64: case SFIXED64:
                return integral((Long) value);
            case UINT64: case FIXED64:
                long u = (Long) value;
                return u >= 0 ? integral(u) : NODES.numberNode(new BigInteger(Long.toUnsignedString(u)));
            case FLOAT: case DOUBLE:
                double d = ((Number) value).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw Statuses.badRequest("protobuf field " + field.getName() + " holds " + d + ", which JSON cannot carry");
                }
                return field.getType() == FieldDescriptor.Type.FLOAT ? NODES.numberNode((Float) value) : NODES.numberNode(d);
            case ENUM:
                return NODES.stringNode(((EnumValueDescriptor) value).getName());
            default:
                throw new IllegalStateException("unexpected protobuf type " + field.getType() + " of " + field.getFullName());
        }
    }

    /** The node Jackson's parser makes of the same number: an int when it fits, so trees compare equal. */
    private static JsonNode integral(long v) {
        return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }

    private static boolean isZero(Object value) {
        if (value instanceof Boolean b) return !b;
        if (value instanceof Number n) return n.doubleValue() == 0;
        return false;
    }

    private static JsonNode base64(ByteString b) {
        return NODES.stringNode(Base64.getEncoder().encodeToString(b.toByteArray()));
    }

    private static long longField(Message m, String name) {
        Object v = m.getField(m.getDescriptorForType().findFieldByName(name));
        return ((Number) v).longValue();
    }

    private static String stringField(Message m, String name) {
        return (String) m.getField(m.getDescriptorForType().findFieldByName(name));
    }

    /** Go's time.Duration.String: "1h2m3.5s", "10m0s", "1.5ms", "0s". */
    static String goDuration(long nanos) {
        if (nanos == 0) return "0s";
        boolean negative = nanos < 0;
        // the magnitude of Long.MIN_VALUE does not fit a long: work unsigned, as Go does
        BigInteger u = BigInteger.valueOf(nanos).abs();
        StringBuilder sb = new StringBuilder();
        if (u.compareTo(BigInteger.valueOf(1_000_000_000L)) < 0) {
            long v = u.longValue();
            if (v < 1_000L) sb.append(v).append("ns");
            else if (v < 1_000_000L) sb.append(fraction(v, 3)).append("µs");
            else sb.append(fraction(v, 6)).append("ms");
        } else {
            BigInteger[] secondsAndNanos = u.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
            long totalSeconds = secondsAndNanos[0].longValue();
            long frac = secondsAndNanos[1].longValue();
            long hours = totalSeconds / 3600;
            long minutes = (totalSeconds / 60) % 60;
            long seconds = totalSeconds % 60;
            if (hours > 0) sb.append(hours).append('h');
            if (hours > 0 || minutes > 0) sb.append(minutes).append('m');
            sb.append(seconds);
            if (frac > 0) sb.append('.').append(trimZeros(String.format("%09d", frac)));
            sb.append('s');
        }
        return negative ? "-" + sb : sb.toString();
    }

    /** v scaled down by 10^digits, without trailing zeros: fraction(1500, 3) is "1.5". */
    private static String fraction(long v, int digits) {
        long scale = (long) Math.pow(10, digits);
        long whole = v / scale;
        long rest = v % scale;
        if (rest == 0) return Long.toString(whole);
        return whole + "." + trimZeros(String.format("%0" + digits + "d", rest));
    }

    private static String trimZeros(String digits) {
        int end = digits.length();
        while (end > 0 && digits.charAt(end - 1) == '0') end--;
        return digits.substring(0, end);
    }
}
