package io.portcullis.authz.rbac;

import java.util.List;

/** Go's %q formatting, so messages read exactly as upstream's. */
final class Quote {
    private Quote() {}

    /** A string as %q prints it: "a\"b". */
    static String go(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** A []string as %q prints it: ["a" "b"]. */
    static String go(List<String> list) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) b.append(' ');
            b.append(go(list.get(i)));
        }
        return b.append(']').toString();
    }
}
