package io.portcullis.authz.rbac;

import io.portcullis.api.Statuses;
import java.util.List;

/** Go's %q formatting, so messages read exactly as upstream's. */
final class Quote {
    private Quote() {}

    /** A string as %q prints it: "a\"b". */
    static String go(String s) {
        return Statuses.quote(s);
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
