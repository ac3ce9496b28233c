package io.portcullis.controllers;

import tools.jackson.databind.JsonNode;

/** Facts about namespace objects that several controllers need. */
final class Namespaces {
    private Namespaces() {}

    /** Being deleted: a deletionTimestamp, or phase Terminating. */
    static boolean terminating(JsonNode namespace) {
        JsonNode ts = namespace.path("metadata").get("deletionTimestamp");
        return (ts != null && !ts.isNull() && !ts.asString("").isEmpty())
                || "Terminating".equals(namespace.path("status").path("phase").asString(""));
    }
}
