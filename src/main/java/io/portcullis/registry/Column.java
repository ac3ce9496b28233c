package io.portcullis.registry;

import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/** A column of kubectl's server-side table: name, type, format, priority (1: -o wide only) and the cell. */
public record Column(String name, String type, String format, String description, int priority,
                     Function<ObjectNode, Object> cell) {
    public static Column name(String what) {
        return new Column("Name", "string", "name", "Name must be unique within a namespace.", 0, o -> ApiObjects.meta(o, "name"));
    }

    public static Column age() {
        return new Column("Age", "string", "", "Time since the object was created.", 0,
                o -> Ages.since(ApiObjects.meta(o, "creationTimestamp")));
    }

    public static Column of(String name, String type, String description, Function<ObjectNode, Object> cell) {
        return new Column(name, type, "", description, 0, cell);
    }

    public static Column wide(String name, String type, String description, Function<ObjectNode, Object> cell) {
        return new Column(name, type, "", description, 1, cell);
    }
}
