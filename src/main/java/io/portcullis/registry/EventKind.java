package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Event;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.patch.PatchSchemas;
import java.util.ArrayList;
import java.util.List;

/** Events: what happened to an object, selectable by the fields kubectl describe asks about. */
final class EventKind {
    private EventKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "events", Event.class, true, PatchSchemas.ONLY_METADATA, V1.Event.getDefaultInstance())
                .shortNames("ev")
                .fields("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                        "reason", "reportingComponent", "source", "type")
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    String ns = ApiObjects.meta(o, "namespace");
                    String involved = ApiObjects.at(o, "involvedObject.namespace");
                    if (!involved.isEmpty() && !involved.equals(ns)) {
                        errs.add(FieldError.invalid("involvedObject.namespace", involved, "does not match event.namespace"));
                    }
                    return errs;
                })
                .columns(Column.of("Last Seen", "string", "Time since the event was last seen", o -> Ages.since(first(ApiObjects.at(o, "lastTimestamp"), ApiObjects.at(o, "eventTime"), ApiObjects.meta(o, "creationTimestamp")))),
                        Column.of("Type", "string", "Type of the event", o -> ApiObjects.at(o, "type")),
                        Column.of("Reason", "string", "Why the event happened", o -> ApiObjects.at(o, "reason")),
                        Column.of("Object", "string", "The object the event is about", o -> ApiObjects.at(o, "involvedObject.kind").toLowerCase(java.util.Locale.ROOT) + "/" + ApiObjects.at(o, "involvedObject.name")),
                        Column.of("Message", "string", "A human-readable description", o -> ApiObjects.at(o, "message")))
                .build();
    }

    private static String first(String... values) {
        for (String v : values) if (!v.isEmpty()) return v;
        return "";
    }
}
