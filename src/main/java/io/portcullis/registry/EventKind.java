package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Event;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.patch.PatchSchemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.ObjectNode;

/** Events: what happened to an object, selectable by the fields kubectl describe asks about. */
final class EventKind {
    private EventKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "events", Event.class, true, PatchSchemas.ONLY_METADATA, V1.Event.getDefaultInstance())
                .shortNames("ev")
                .fields("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                        "reason", "reportingComponent", "source", "type")
                // as upstream: "source" is the reporting component, from the old source field or the new one
                .field("source", o -> first(ApiObjects.at(o, "source.component"), ApiObjects.at(o, "reportingComponent")))
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    String ns = ApiObjects.meta(o, "namespace");
                    String involved = ApiObjects.at(o, "involvedObject.namespace");
                    if (!involved.isEmpty() && !involved.equals(ns)) {
                        errs.add(FieldError.invalid("involvedObject.namespace", involved, "does not match event.namespace"));
                    }
                    return errs;
                })
                // upstream's event printer; the wide columns are what kubectl get events -o wide adds
                .columns(Column.of("Last Seen", "string", "Time since the event was last seen", EventKind::lastSeen),
                        Column.of("Type", "string", "Type of the event", o -> ApiObjects.at(o, "type")),
                        Column.of("Reason", "string", "Why the event happened", o -> ApiObjects.at(o, "reason")),
                        Column.of("Object", "string", "The object the event is about", EventKind::object),
                        Column.wide("Subobject", "string", "The part of the object the event is about", o -> ApiObjects.at(o, "involvedObject.fieldPath")),
                        Column.wide("Source", "string", "The component (and host) that reported the event", EventKind::source),
                        Column.of("Message", "string", "A human-readable description", o -> ApiObjects.at(o, "message").strip()),
                        Column.wide("First Seen", "string", "Time since the event was first seen", EventKind::firstSeen),
                        Column.wide("Count", "string", "How many times the event happened", EventKind::count),
                        new Column("Name", "string", "name", "The name of the event", 1, o -> ApiObjects.meta(o, "name")))
                .build();
    }

    private static String firstSeen(ObjectNode o) {
        return Ages.since(first(ApiObjects.at(o, "firstTimestamp"), ApiObjects.at(o, "eventTime")));
    }

    private static String lastSeen(ObjectNode o) {
        String series = ApiObjects.at(o, "series.lastObservedTime");
        if (!series.isEmpty()) return Ages.since(series);
        String last = ApiObjects.at(o, "lastTimestamp");
        return last.isEmpty() ? firstSeen(o) : Ages.since(last);
    }

    private static long count(ObjectNode o) {
        String n = ApiObjects.at(o, o.has("series") ? "series.count" : "count");
        long count = n.isEmpty() ? 0 : Long.parseLong(n);
        return count == 0 && !o.has("series") ? 1 : count;   // a singleton event of the new API has no count
    }

    private static String object(ObjectNode o) {
        String kind = ApiObjects.at(o, "involvedObject.kind").toLowerCase(Locale.ROOT);
        String name = ApiObjects.at(o, "involvedObject.name");
        return name.isEmpty() ? kind : kind + "/" + name;
    }

    private static String source(ObjectNode o) {
        String component = first(ApiObjects.at(o, "source.component"), ApiObjects.at(o, "reportingComponent"));
        String instance = first(ApiObjects.at(o, "source.host"), ApiObjects.at(o, "reportingInstance"));
        return instance.isEmpty() ? component : component + ", " + instance;
    }

    private static String first(String... values) {
        for (String v : values) if (!v.isEmpty()) return v;
        return "";
    }
}
