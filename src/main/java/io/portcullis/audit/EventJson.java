package io.portcullis.audit;

import io.portcullis.api.Json;
import io.portcullis.api.protobuf.ProtobufBodies;
import io.portcullis.authn.UserInfo;
import java.io.OutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Events as audit.k8s.io/v1 JSON, field for field as upstream writes them (its field order,
 * empty fields left out, map keys sorted, times in microseconds). Bodies are decoded here, on the
 * sink's thread: a create's or update's body completes objectRef at every level; from Request up
 * it is the requestObject, and at RequestResponse the response is the responseObject.
 *
 * <p>Below RequestResponse no secret leaves in a body: a Secret's {@code data} and
 * {@code stringData} values, kubectl's last-applied-configuration annotation of a Secret (the
 * manifest, values included), the values of a JSON patch to a Secret and a TokenReview's
 * {@code spec.token} become {@value #REDACTED}. (Upstream leaves this to the policy; this
 * server's rule is that no credential or Secret value is ever logged below RequestResponse.)
 */
final class EventJson {
    static final String REDACTED = "REDACTED";
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final ProtobufBodies protobuf;

    /** {@code protobuf} decodes the served kinds' protobuf bodies; null when none are expected. One thread uses an instance. */
    EventJson(ProtobufBodies protobuf) {
        this.protobuf = protobuf;
    }

    /** Writes one event as a JSON object, with no line break. */
    void write(OutputStream out, Event e) {
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            write(g, e);
        }
    }

    /** Writes an EventList of the events, as the webhook sends them. */
    void writeList(OutputStream out, List<Event> events) {
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("kind", "EventList");
            g.writeStringProperty("apiVersion", "audit.k8s.io/v1");
            g.writeName("metadata");
            g.writeStartObject();
            g.writeEndObject();
            g.writeName("items");
            g.writeStartArray();
            for (Event e : events) write(g, e);
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private void write(JsonGenerator g, Event e) {
        Event.Origin origin = e.origin();
        JsonNode request = e.requestBody() == null ? null : decode(e.requestBody());
        g.writeStartObject();
        g.writeStringProperty("kind", "Event");
        g.writeStringProperty("apiVersion", "audit.k8s.io/v1");
        g.writeStringProperty("level", e.level().toString());
        g.writeStringProperty("auditID", origin.auditId());
        g.writeStringProperty("stage", e.stage().toString());
        g.writeStringProperty("requestURI", origin.requestUri());
        g.writeStringProperty("verb", e.verb());
        g.writeName("user");
        user(g, e.user());
        if (e.impersonatedUser() != null) {
            g.writeName("impersonatedUser");
            user(g, e.impersonatedUser());
        }
        if (!origin.sourceIps().isEmpty()) strings(g, "sourceIPs", origin.sourceIps());
        nonEmpty(g, "userAgent", origin.userAgent());
        if (e.objectRef() != null) objectRef(g, e.objectRef(), e.verb(), request);
        if (e.responseStatus() != null) responseStatus(g, e.responseStatus());
        if (request != null && e.level().atLeast(Level.REQUEST)) {
            if (e.level() == Level.REQUEST) redact(request, e.objectRef());
            g.writeName("requestObject");
            g.writeTree(e.omitManagedFields() ? withoutManagedFields(request) : request);
        }
        JsonNode response = e.responseBody() == null ? null : decode(e.responseBody());
        if (response != null) {
            g.writeName("responseObject");
            g.writeTree(e.omitManagedFields() ? withoutManagedFields(response) : response);
        }
        g.writeStringProperty("requestReceivedTimestamp", microTime(origin.received()));
        g.writeStringProperty("stageTimestamp", microTime(e.stageTimestamp()));
        if (!e.annotations().isEmpty()) {
            g.writeName("annotations");
            g.writeStartObject();
            for (Map.Entry<String, String> a : new TreeMap<>(e.annotations()).entrySet()) g.writeStringProperty(a.getKey(), a.getValue());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private long second = Long.MIN_VALUE;
    private String secondText;

    /**
     * metav1.MicroTime: UTC, six fractional digits. The date and time of day are formatted once a
     * second (events come in time order, one writer thread each), the microseconds appended.
     */
    private String microTime(Instant t) {
        if (t.getEpochSecond() != second) {
            second = t.getEpochSecond();
            secondText = SECONDS.format(t);
        }
        int micros = t.getNano() / 1000;
        StringBuilder b = new StringBuilder(27).append(secondText).append('.');
        for (int scale = 100_000; scale > 0; scale /= 10) b.append((char) ('0' + micros / scale % 10));
        return b.append('Z').toString();
    }

    /** authentication/v1 UserInfo; a request that did not authenticate has an empty one. */
    private static void user(JsonGenerator g, UserInfo u) {
        g.writeStartObject();
        if (u != null) {
            nonEmpty(g, "username", u.name());
            nonEmpty(g, "uid", u.uid());
            if (!u.groups().isEmpty()) strings(g, "groups", u.groups());
            if (!u.extra().isEmpty()) {
                g.writeName("extra");
                g.writeStartObject();
                for (Map.Entry<String, List<String>> x : new TreeMap<>(u.extra()).entrySet()) strings(g, x.getKey(), x.getValue());
                g.writeEndObject();
            }
        }
        g.writeEndObject();
    }

    /** The URL's reference; a create or update takes what the URL leaves empty from its body's metadata, as upstream. */
    private static void objectRef(JsonGenerator g, Event.ObjectRef ref, String verb, JsonNode request) {
        JsonNode meta = request != null && (verb.equals("create") || verb.equals("update")) ? request.path("metadata") : Json.object();
        g.writeName("objectRef");
        g.writeStartObject();
        nonEmpty(g, "resource", ref.resource());
        nonEmpty(g, "namespace", ref.namespace().isEmpty() ? meta.path("namespace").asString("") : ref.namespace());
        nonEmpty(g, "name", ref.name().isEmpty() ? meta.path("name").asString("") : ref.name());
        nonEmpty(g, "uid", meta.path("uid").asString(""));
        nonEmpty(g, "apiGroup", ref.apiGroup());
        nonEmpty(g, "apiVersion", ref.apiVersion());
        nonEmpty(g, "resourceVersion", meta.path("resourceVersion").asString(""));
        nonEmpty(g, "subresource", ref.subresource());
        g.writeEndObject();
    }

    /** metav1.Status: a Status response's own fields, else what the event knows; the code always. */
    private void responseStatus(JsonGenerator g, Event.ResponseStatus s) {
        JsonNode sent = s.statusJson() == null ? null : decode(new Event.Body("application/json", s.statusJson()));
        boolean isStatus = sent != null && sent.path("kind").asString("").equals("Status");
        g.writeName("responseStatus");
        g.writeStartObject();
        g.writeName("metadata");
        g.writeStartObject();
        g.writeEndObject();
        nonEmpty(g, "status", isStatus ? sent.path("status").asString("") : s.status());
        nonEmpty(g, "message", isStatus ? sent.path("message").asString("") : s.message());
        nonEmpty(g, "reason", isStatus ? sent.path("reason").asString("") : s.reason());
        if (isStatus && sent.path("details").isObject()) {
            g.writeName("details");
            g.writeTree(sent.get("details"));
        }
        g.writeNumberProperty("code", s.code());
        g.writeEndObject();
    }

    /** A body as a JSON tree, from JSON, YAML or protobuf; null when it cannot be read. */
    private JsonNode decode(Event.Body body) {
        String type = body.contentType() == null ? "" : body.contentType();
        try {
            if (ProtobufBodies.isProtobuf(type)) return protobuf == null ? null : protobuf.decode(body.bytes());
            if (type.contains("yaml")) return YAML.readTree(body.bytes());
            return Json.MAPPER.readTree(body.bytes());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void redact(JsonNode request, Event.ObjectRef ref) {
        if (ref.apiGroup().isEmpty() && ref.resource().equals("secrets")) {
            if (request instanceof ObjectNode secret) {
                redactValues(secret, "data");
                redactValues(secret, "stringData");
                // kubectl apply keeps the whole manifest, values included, in this annotation
                if (secret.path("metadata").path("annotations") instanceof ObjectNode annotations && annotations.has(LAST_APPLIED)) {
                    annotations.put(LAST_APPLIED, REDACTED);
                }
            } else if (request instanceof ArrayNode patch) {
                for (JsonNode op : patch) if (op instanceof ObjectNode o && o.has("value")) o.put("value", REDACTED);
            }
        } else if (ref.apiGroup().equals("authentication.k8s.io") && ref.resource().equals("tokenreviews")
                && request.path("spec") instanceof ObjectNode spec && spec.has("token")) {
            spec.put("token", REDACTED);
        }
    }

    private static void redactValues(ObjectNode object, String field) {
        JsonNode values = object.get(field);
        if (values instanceof ObjectNode map) {
            for (String key : new ArrayList<>(map.propertyNames())) map.put(key, REDACTED);
        } else if (values != null && !values.isNull()) {
            object.put(field, REDACTED);
        }
    }

    /** The tree without metadata.managedFields: of the object, of a list's items, of a table's rows' objects. */
    private static JsonNode withoutManagedFields(JsonNode tree) {
        if (tree.path("metadata") instanceof ObjectNode meta) meta.remove("managedFields");
        for (JsonNode item : tree.path("items")) withoutManagedFields(item);
        for (JsonNode row : tree.path("rows")) withoutManagedFields(row.path("object"));
        return tree;
    }

    private static void strings(JsonGenerator g, String name, List<String> values) {
        g.writeName(name);
        g.writeStartArray();
        for (String v : values) g.writeString(v);
        g.writeEndArray();
    }

    private static void nonEmpty(JsonGenerator g, String name, String value) {
        if (value != null && !value.isEmpty()) g.writeStringProperty(name, value);
    }
}
