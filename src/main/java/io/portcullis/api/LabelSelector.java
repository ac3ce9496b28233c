package io.portcullis.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector in its string form, as kubectl sends it: requirements joined by commas, each
 * {@code key}, {@code !key}, {@code key=v}, {@code key==v}, {@code key!=v},
 * {@code key in (a,b)} or {@code key notin (a,b)}.
 */
public final class LabelSelector implements Predicate<Map<String, String>> {
    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());
    /** What an absent structured selector selects: nothing at all. */
    private static final LabelSelector NOTHING = new LabelSelector(List.of(new Requirement("", Op.IN, Set.of())));

    enum Op { EXISTS, NOT_EXISTS, EQUALS, NOT_EQUALS, IN, NOT_IN }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels == null ? null : labels.get(key);
            return switch (op) {
                case EXISTS -> v != null;
                case NOT_EXISTS -> v == null;
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
            };
        }
    }

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    @Override
    public boolean test(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) return false;
        }
        return true;
    }

    /**
     * The structured form (an aggregation rule's, say): matchLabels and every matchExpression (In,
     * NotIn, Exists, DoesNotExist) must all hold; an empty selector selects everything and an
     * absent one nothing. An unknown operator is an IllegalArgumentException naming it.
     */
    public static LabelSelector of(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) return NOTHING;
        List<Requirement> out = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> out.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        }
        if (selector.getMatchExpressions() != null) {
            for (io.fabric8.kubernetes.api.model.LabelSelectorRequirement r : selector.getMatchExpressions()) {
                Op op = switch (String.valueOf(r.getOperator())) {
                    case "In" -> Op.IN;
                    case "NotIn" -> Op.NOT_IN;
                    case "Exists" -> Op.EXISTS;
                    case "DoesNotExist" -> Op.NOT_EXISTS;
                    default -> throw new IllegalArgumentException("\"" + r.getOperator() + "\" is not a valid label selector operator");
                };
                out.add(new Requirement(r.getKey(), op, r.getValues() == null ? Set.of() : Set.copyOf(r.getValues())));
            }
        }
        return new LabelSelector(out);
    }

    /** Parses the selector; a malformed one is a 400 naming it. */
    public static LabelSelector parse(String selector) {
        if (selector == null || selector.isBlank()) return EVERYTHING;
        List<Requirement> out = new ArrayList<>();
        Lexer lx = new Lexer(selector);
        while (true) {
            lx.skipSpace();
            if (lx.done()) throw bad(selector, "found '', expected: identifier");
            boolean not = false;
            if (lx.peek() == '!') {
                lx.next();
                not = true;
            }
            String key = lx.word();
            if (key.isEmpty()) throw bad(selector, "found '" + lx.rest() + "', expected: identifier");
            checkKey(selector, key);
            lx.skipSpace();
            if (not) {
                out.add(new Requirement(key, Op.NOT_EXISTS, Set.of()));
            } else if (lx.done() || lx.peek() == ',') {
                out.add(new Requirement(key, Op.EXISTS, Set.of()));
            } else if (lx.startsWith("==") || lx.startsWith("!=") || lx.peek() == '=') {
                Op op = lx.startsWith("!=") ? Op.NOT_EQUALS : Op.EQUALS;
                lx.advance(lx.startsWith("==") || lx.startsWith("!=") ? 2 : 1);
                lx.skipSpace();
                String value = lx.word();
                checkValue(selector, value);
                out.add(new Requirement(key, op, Set.of(value)));
            } else {
                String word = lx.word();
                Op op = switch (word) {
                    case "in" -> Op.IN;
                    case "notin" -> Op.NOT_IN;
                    default -> throw bad(selector, "found '" + word + "', expected: in, notin, =, ==, !=, gt, lt");
                };
                lx.skipSpace();
                if (lx.done() || lx.peek() != '(') throw bad(selector, "found '" + lx.rest() + "', expected: '('");
                lx.next();
                Set<String> values = new LinkedHashSet<>();
                while (true) {
                    lx.skipSpace();
                    String v = lx.word();
                    checkValue(selector, v);
                    values.add(v);
                    lx.skipSpace();
                    if (lx.done()) throw bad(selector, "found '', expected: ',', ')'");
                    char c = lx.next();
                    if (c == ')') break;
                    if (c != ',') throw bad(selector, "found '" + c + "', expected: ',', ')'");
                }
                out.add(new Requirement(key, op, values));
            }
            lx.skipSpace();
            if (lx.done()) break;
            if (lx.next() != ',') throw bad(selector, "found '" + lx.rest() + "', expected: ','");
        }
        return new LabelSelector(out);
    }

    private static void checkKey(String selector, String key) {
        if (!Validation.isQualifiedName(key)) {
            throw Statuses.badRequest("unable to parse requirement: invalid label key \"" + key
                    + "\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }
    }

    private static void checkValue(String selector, String value) {
        if (!Validation.isLabelValue(value)) {
            throw Statuses.badRequest("unable to parse requirement: values[0][" + selector + "]: Invalid value: \"" + value
                    + "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }
    }

    private static ApiException bad(String selector, String why) {
        return Statuses.badRequest("unable to parse requirement: " + why + " in label selector \"" + selector + "\"");
    }

    static final class Lexer {
        private final String s;
        private int i;

        Lexer(String s) { this.s = s; }

        boolean done() { return i >= s.length(); }
        char peek() { return s.charAt(i); }
        char next() { return s.charAt(i++); }
        void advance(int n) { i += n; }
        boolean startsWith(String p) { return s.startsWith(p, i); }
        String rest() { return s.substring(Math.min(i, s.length())); }
        void skipSpace() { while (!done() && Character.isWhitespace(peek())) i++; }

        String word() {
            int start = i;
            while (!done()) {
                char c = peek();
                if (Character.isWhitespace(c) || c == ',' || c == '=' || c == '!' || c == '(' || c == ')') break;
                i++;
            }
            return s.substring(start, i);
        }
    }
}
