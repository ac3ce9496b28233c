package io.portcullis.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A field selector: comma-separated {@code field=value}, {@code field==value} or
 * {@code field!=value}. Which fields a kind supports is the kind's business: {@link #check}
 * refuses the others with upstream's message.
 */
public final class FieldSelector {
    public static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    public record Requirement(String field, boolean equals, String value) {}

    private final List<Requirement> requirements;

    private FieldSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** The value required for a field with "=", or null. */
    public String equalTo(String field) {
        for (Requirement r : requirements) {
            if (r.equals && r.field.equals(field)) return r.value;
        }
        return null;
    }

    public static FieldSelector parse(String selector) {
        if (selector == null || selector.isBlank()) return EVERYTHING;
        List<Requirement> out = new ArrayList<>();
        for (String part : splitUnescaped(selector)) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int ne = p.indexOf("!=");
            int eq2 = p.indexOf("==");
            int eq = p.indexOf('=');
            if (ne > 0) out.add(new Requirement(p.substring(0, ne).strip(), false, unescape(p.substring(ne + 2).strip())));
            else if (eq2 > 0) out.add(new Requirement(p.substring(0, eq2).strip(), true, unescape(p.substring(eq2 + 2).strip())));
            else if (eq > 0) out.add(new Requirement(p.substring(0, eq).strip(), true, unescape(p.substring(eq + 1).strip())));
            else throw Statuses.badRequest("invalid selector: '" + selector + "'; can't understand '" + p + "'");
        }
        return new FieldSelector(out);
    }

    /** Refuses fields the kind does not support, as upstream: 400 "field label not supported: x". */
    public void check(Set<String> supported) {
        for (Requirement r : requirements) {
            if (!supported.contains(r.field)) throw Statuses.badRequest("field label not supported: " + r.field);
        }
    }

    public boolean matches(Function<String, String> fields) {
        for (Requirement r : requirements) {
            String v = fields.apply(r.field);
            if (v == null) v = "";
            if (r.equals != v.equals(r.value)) return false;
        }
        return true;
    }

    private static List<String> splitUnescaped(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static String unescape(String v) {
        return v.replace("\\,", ",").replace("\\=", "=").replace("\\\\", "\\");
    }
}
