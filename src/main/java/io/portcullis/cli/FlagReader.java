package io.portcullis.cli;

import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Reads {@code --flag value}, {@code --flag=value} and boolean flags straight into a command's
 * {@link Option} fields (its {@link Mixin}s' too), without picocli's command model: building that
 * model for the server's seventy flags is a noticeable part of a start, and picocli's classes,
 * compiled for Java 5, cannot be class-data shared. Anything it does not take exactly as it is (help,
 * version, an unknown flag, a value it cannot convert, a single-valued flag given twice, a boolean
 * whose next word might be its value) makes it answer false, and picocli then reads the whole
 * command line with its own rules and messages.
 */
final class FlagReader {
    private FlagReader() {}

    private record Target(Object owner, Field field, Option option) {}

    /** True when every argument was read into {@code command}; false leaves it half-filled, for picocli to start afresh. */
    static boolean read(Object command, List<String> args) {
        Map<String, Target> targets = new HashMap<>();
        try {
            collect(command, targets);
        } catch (IllegalAccessException e) {
            return false;
        }
        Set<Field> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String inline = eq < 0 ? null : arg.substring(eq + 1);
            Target t = targets.get(name);
            if (t == null || !arg.startsWith("--")) return false;
            Class<?> type = t.field().getType();
            boolean repeatable = List.class.isAssignableFrom(type);
            boolean first = seen.add(t.field());
            if (!first && !repeatable) return false;
            String value = inline;
            if (type == boolean.class) {
                String arity = t.option().arity();
                if (arity.isEmpty()) {
                    if (inline != null) return false;
                    value = "true";
                } else if (arity.equals("0..1")) {
                    if (inline == null && i + 1 < args.size() && isBoolean(args.get(i + 1))) return false;
                    if (inline == null) value = "true";
                } else if (!arity.equals("1")) {
                    return false;
                }
            }
            if (value == null) {
                if (i + 1 >= args.size() || looksLikeFlag(args.get(i + 1))) return false;
                value = args.get(++i);
            }
            if (!set(t, type, value, first)) return false;
        }
        return true;
    }

    private static void collect(Object owner, Map<String, Target> targets) throws IllegalAccessException {
        for (Field f : owner.getClass().getDeclaredFields()) {
            Option option = f.getAnnotation(Option.class);
            if (option != null) {
                f.setAccessible(true);
                for (String n : option.names()) targets.put(n, new Target(owner, f, option));
            } else if (f.isAnnotationPresent(Mixin.class)) {
                f.setAccessible(true);
                collect(f.get(owner), targets);
            }
        }
    }

    /** A word after a flag that picocli might take for another flag rather than the value ("-" alone is a value). */
    private static boolean looksLikeFlag(String s) {
        return s.startsWith("-") && !s.equals("-");
    }

    private static boolean isBoolean(String s) {
        return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
    }

    private static boolean set(Target t, Class<?> type, String value, boolean first) {
        try {
            if (type == String.class) {
                t.field().set(t.owner(), value);
            } else if (type == Path.class) {
                t.field().set(t.owner(), Path.of(value));
            } else if (type == int.class) {
                t.field().setInt(t.owner(), Integer.parseInt(value));
            } else if (type == boolean.class) {
                if (!isBoolean(value)) return false;
                t.field().setBoolean(t.owner(), Boolean.parseBoolean(value));
            } else if (type == List.class) {
                return add(t, value, first);
            } else {
                return false;
            }
            return true;
        } catch (IllegalAccessException | RuntimeException e) {
            return false;
        }
    }

    /** A list flag's first use replaces its default, as picocli does; each later use adds to it. */
    private static boolean add(Target t, String value, boolean first) throws IllegalAccessException {
        if (!(t.field().getGenericType() instanceof ParameterizedType p)) return false;
        java.lang.reflect.Type element = p.getActualTypeArguments()[0];
        List<String> parts = t.option().split().isEmpty() ? List.of(value) : List.of(value.split(t.option().split(), -1));
        List<Object> items = new ArrayList<>();
        for (String part : parts) {
            if (part.isEmpty()) return false;
            if (element == String.class) items.add(part);
            else if (element == Path.class) items.add(Path.of(part));
            else return false;
        }
        @SuppressWarnings("unchecked")
        List<Object> list = first ? new ArrayList<>() : (List<Object>) t.field().get(t.owner());
        list.addAll(items);
        t.field().set(t.owner(), list);
        return true;
    }
}
