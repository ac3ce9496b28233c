package io.portcullis.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape of a kind, read once from its typed model class (its JSON properties, recursively,
 * less the {@link NewerFields} of releases after the served one): what strict field validation
 * checks bodies against, and what OpenAPI publishes.
 */
public sealed interface Schema {
    record Struct(Class<?> type) implements Schema {
        public Map<String, Schema> fields() {
            return FIELDS.computeIfAbsent(type, Schema::introspect);
        }
    }

    record ArrayOf(Schema items) implements Schema {}

    record MapOf(Schema values) implements Schema {}

    /** string, integer, number, boolean; int-or-string; any (free-form JSON). An integer's format bounds it: int32 or int64. */
    record Scalar(String kind, String format) implements Schema {
        Scalar(String kind) {
            this(kind, "");
        }
    }

    Scalar STRING = new Scalar("string");
    Scalar INT32 = new Scalar("integer", "int32");
    Scalar INT64 = new Scalar("integer", "int64");
    Scalar NUMBER = new Scalar("number");
    Scalar BOOLEAN = new Scalar("boolean");
    Scalar INT_OR_STRING = new Scalar("int-or-string");
    Scalar ANY = new Scalar("any");

    Map<Class<?>, Map<String, Schema>> FIELDS = new ConcurrentHashMap<>();

    static Schema of(Class<?> type) {
        return of((Type) type);
    }

    private static Schema of(Type type) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (List.class.isAssignableFrom(raw)) return new ArrayOf(of(p.getActualTypeArguments()[0]));
            if (Map.class.isAssignableFrom(raw)) return new MapOf(of(p.getActualTypeArguments()[1]));
            return ANY;
        }
        Class<?> c = (Class<?>) type;
        if (c == String.class) return STRING;
        if (c == Integer.class || c == int.class) return INT32;
        if (c == Long.class || c == long.class) return INT64;
        if (c == Double.class || c == double.class || c == Float.class || c == float.class) return NUMBER;
        if (c == Boolean.class || c == boolean.class) return BOOLEAN;
        String name = c.getSimpleName();
        if (name.equals("IntOrString")) return INT_OR_STRING;
        if (name.equals("Quantity")) return STRING;
        if (name.equals("MicroTime") || name.equals("Time") || name.equals("Duration")) return STRING;
        if (c == Object.class || JsonNode.class.isAssignableFrom(c) || c.getName().startsWith("java.")) return ANY;
        if (name.equals("FieldsV1") || name.equals("RawExtension") || name.equals("KubernetesResource")) return ANY;
        if (c.isEnum()) return STRING;
        return new Struct(c);
    }

    /**
     * Removes every empty map held by a map-typed field, as upstream's encoding does: every map field
     * of the served kinds is optional and omitted when empty, so {@code labels: {}} is not stored.
     */
    static void dropEmptyMaps(JsonNode node, Schema schema) {
        if (schema instanceof Struct s && node instanceof ObjectNode o) {
            Map<String, Schema> fields = s.fields();
            List<String> empty = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                Schema f = fields.get(e.getKey());
                if (f instanceof MapOf && e.getValue().isObject() && e.getValue().isEmpty()) empty.add(e.getKey());
                else if (f != null) dropEmptyMaps(e.getValue(), f);
            }
            empty.forEach(o::remove);
        } else if (schema instanceof ArrayOf a && !(a.items() instanceof Scalar)) {
            node.forEach(item -> dropEmptyMaps(item, a.items()));
        } else if (schema instanceof MapOf m && !(m.values() instanceof Scalar)) {
            node.forEach(value -> dropEmptyMaps(value, m.values()));
        }
    }

    /**
     * Reads the JSON nulls of a body as Go's decoder reads them into the typed object: a null field
     * is left unset (so it is absent), and a null list item or map value is its type's zero value
     * ({@code "verbs":[null]} is {@code [""]}, {@code "rules":[null]} is one empty rule), which
     * validation then judges. Nothing past decoding ever meets a null where the type has none.
     */
    static void nullsAsGo(JsonNode node, Schema schema) {
        if (schema instanceof Struct s && node instanceof ObjectNode o) {
            Map<String, Schema> fields = s.fields();
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                Schema f = fields.get(e.getKey());
                if (f == null) continue;
                if (e.getValue().isNull()) nulls.add(e.getKey());
                else nullsAsGo(e.getValue(), f);
            }
            nulls.forEach(o::remove);
        } else if (schema instanceof ArrayOf a && node instanceof tools.jackson.databind.node.ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isNull()) array.set(i, zero(a.items()));
                else nullsAsGo(array.get(i), a.items());
            }
        } else if (schema instanceof MapOf m && node instanceof ObjectNode o) {
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (e.getValue().isNull()) nulls.add(e.getKey());
                else nullsAsGo(e.getValue(), m.values());
            }
            for (String key : nulls) o.set(key, zero(m.values()));
        }
    }

    /** Go's zero value of a type, as JSON (an empty list or map where Go has nil, so that no reader meets a null). */
    private static JsonNode zero(Schema schema) {
        var nodes = tools.jackson.databind.node.JsonNodeFactory.instance;
        if (schema instanceof Struct || schema instanceof MapOf) return nodes.objectNode();
        if (schema instanceof ArrayOf) return nodes.arrayNode();
        return switch (((Scalar) schema).kind()) {
            case "string" -> nodes.stringNode("");
            case "integer", "number", "int-or-string" -> nodes.numberNode(0);
            case "boolean" -> nodes.booleanNode(false);
            default -> nodes.nullNode();
        };
    }

    private static Map<String, Schema> introspect(Class<?> type) {
        Map<String, Schema> out = new LinkedHashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                JsonProperty p = f.getAnnotation(JsonProperty.class);
                if (p == null) continue;
                String name = p.value().isEmpty() ? f.getName() : p.value();
                if (NewerFields.contains(type.getSimpleName(), name)) continue;
                out.putIfAbsent(name, of(f.getGenericType()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * A field the schema does not know, or a value of the wrong JSON type, at a path: in the words
     * of Go's JSON decoder ({@code message}) and of upstream's converter from maps to typed objects
     * ({@code converterMessage}, what a strategic merge patch meets).
     */
    record Problem(String path, boolean unknown, String message, String converterMessage) {
        Problem(String path, String unknownField) {
            this(path, true, unknownField, unknownField);
        }
    }

    /** Every unknown field and type mismatch of the body, in document order. */
    static List<Problem> check(JsonNode node, Schema schema) {
        List<Problem> out = new ArrayList<>();
        walk(node, schema, "", "", "", out);
        return out;
    }

    /** Removes the unknown fields a check found (fieldValidation=Ignore and Warn). */
    static void dropUnknown(ObjectNode root, Schema schema) {
        drop(root, schema);
    }

    /**
     * @param path where the node is, as field validation names it ({@code spec.containers[0].image})
     * @param owner the innermost struct holding the node, and {@code goPath} the struct fields leading
     *              to it: what a type mismatch names, as Go's JSON decoder does
     */
    private static void walk(JsonNode node, Schema schema, String path, String owner, String goPath, List<Problem> out) {
        if (node == null || node.isNull()) return;
        if (schema instanceof Struct s) {
                if (!node.isObject()) {
                    out.add(mismatch(path, node, schema, owner, goPath));
                    return;
                }
                Map<String, Schema> fields = s.fields();
                String name = s.type().getSimpleName();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                    Schema f = fields.get(e.getKey());
                    if (f == null) out.add(new Problem(p, "unknown field " + Statuses.quote(p)));
                    else walk(e.getValue(), f, p, name, goPath.isEmpty() ? e.getKey() : goPath + "." + e.getKey(), out);
                }
            } else if (schema instanceof ArrayOf a) {
                if (!node.isArray()) {
                    out.add(mismatch(path, node, schema, owner, goPath));
                    return;
                }
                for (int i = 0; i < node.size(); i++) walk(node.get(i), a.items(), path + "[" + i + "]", owner, goPath, out);
            } else if (schema instanceof MapOf m) {
                if (!node.isObject()) {
                    out.add(mismatch(path, node, schema, owner, goPath));
                    return;
                }
                for (Map.Entry<String, JsonNode> e : node.properties()) walk(e.getValue(), m.values(), path + "." + e.getKey(), owner, goPath, out);
            } else if (schema instanceof Scalar sc) {
                boolean ok = switch (sc.kind()) {
                    case "string" -> node.isString();
                    case "integer" -> (node.isIntegralNumber() || (node.isNumber() && node.asDouble() == Math.rint(node.asDouble())))
                            && (sc.format().equals("int32") ? node.canConvertToInt() : node.canConvertToLong());
                    case "number" -> node.isNumber();
                    case "boolean" -> node.isBoolean();
                    case "int-or-string" -> node.isString() || node.isIntegralNumber();
                    default -> true;
                };
                if (!ok) out.add(mismatch(path, node, schema, owner, goPath));
            }
    }

    /**
     * A value of the wrong type, as Go's JSON decoder words it ({@code json: cannot unmarshal string
     * into Go struct field ObjectMeta.metadata.labels of type map[string]string}) and as upstream's
     * converter does ({@code cannot restore map from string}).
     */
    private static Problem mismatch(String path, JsonNode node, Schema want, String owner, String goPath) {
        String got = node.isString() ? "string" : node.isNumber() ? "number" : node.isBoolean() ? "bool"
                : node.isArray() ? "array" : node.isObject() ? "object" : "null";
        // a number that does not fit an integer field is quoted with its value
        if (node.isNumber() && want instanceof Scalar sc && sc.kind().equals("integer")) got = "number " + node;
        String into = owner.isEmpty() ? "Go value" : "Go struct field " + owner + "." + goPath;
        String kind = node.isString() ? "string" : node.isObject() ? "map" : node.isArray() ? "slice" : node.isBoolean() ? "bool"
                : node.isIntegralNumber() ? "int64" : "float64";
        String converter = want instanceof Struct ? "cannot restore struct from: " + kind
                : want instanceof MapOf ? "cannot restore map from " + kind
                : want instanceof ArrayOf ? "cannot restore slice from " + kind
                : "unrecognized type: " + goType(want);
        return new Problem(path, false, "json: cannot unmarshal " + got + " into " + into + " of type " + goType(want), converter);
    }

    /** The Go type a schema stands for, as Go prints it (the served kinds' structs are all in packages named v1). */
    private static String goType(Schema schema) {
        if (schema instanceof Struct s) return "v1." + s.type().getSimpleName();
        if (schema instanceof ArrayOf a) return "[]" + goType(a.items());
        if (schema instanceof MapOf m) return "map[string]" + goType(m.values());
        Scalar sc = (Scalar) schema;
        return switch (sc.kind()) {
            case "string" -> "string";
            case "integer" -> sc.format().isEmpty() ? "int64" : sc.format();
            case "number" -> "float64";
            case "boolean" -> "bool";
            case "int-or-string" -> "intstr.IntOrString";
            default -> "interface {}";
        };
    }

    private static void drop(JsonNode node, Schema schema) {
        if (node == null || node.isNull()) return;
        if (schema instanceof Struct s) {
                if (!(node instanceof ObjectNode o)) return;
                Map<String, Schema> fields = s.fields();
                List<String> unknown = new ArrayList<>();
                for (Map.Entry<String, JsonNode> e : o.properties()) {
                    Schema f = fields.get(e.getKey());
                    if (f == null) unknown.add(e.getKey());
                    else drop(e.getValue(), f);
                }
                unknown.forEach(o::remove);
            } else if (schema instanceof ArrayOf a) {
                for (JsonNode n : node) drop(n, a.items());
            } else if (schema instanceof MapOf m) {
                for (Map.Entry<String, JsonNode> e : node.properties()) drop(e.getValue(), m.values());
            }
    }
}
