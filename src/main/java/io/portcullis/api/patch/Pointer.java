package io.portcullis.api.patch;

import java.util.ArrayList;
import java.util.List;

/** An RFC 6901 JSON Pointer, split into unescaped tokens. */
record Pointer(String text, List<String> tokens) {
    static Pointer parse(String text) {
        if (text == null) throw PatchException.invalid("missing path");
        if (text.isEmpty()) return new Pointer(text, List.of());
        if (text.charAt(0) != '/') throw PatchException.invalid("JSON pointer must be empty or start with a \"/\": " + text);
        List<String> tokens = new ArrayList<>();
        for (String raw : text.substring(1).split("/", -1)) {
            tokens.add(unescape(raw, text));
        }
        return new Pointer(text, List.copyOf(tokens));
    }

    private static String unescape(String raw, String whole) {
        if (raw.indexOf('~') < 0) return raw;
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '~') { b.append(c); continue; }
            char next = i + 1 < raw.length() ? raw.charAt(i + 1) : 0;
            if (next == '0') b.append('~');
            else if (next == '1') b.append('/');
            else throw PatchException.invalid("invalid escape in JSON pointer: " + whole);
            i++;
        }
        return b.toString();
    }

    boolean isRoot() { return tokens.isEmpty(); }

    Pointer parent() { return new Pointer(text.substring(0, text.lastIndexOf('/')), tokens.subList(0, tokens.size() - 1)); }

    String last() { return tokens.get(tokens.size() - 1); }

    /** Whether this pointer is other or lies below it. */
    boolean startsWith(Pointer other) {
        return tokens.size() >= other.tokens.size() && tokens.subList(0, other.tokens.size()).equals(other.tokens);
    }

    @Override
    public String toString() { return text; }
}
