package io.portcullis.authn;

import java.util.ArrayList;
import java.util.List;

/**
 * A CSV reader with the rules of Go's encoding/csv as kube-apiserver uses it for its auth files:
 * comma separated, fields may be quoted ("" is a quote inside a quoted field, which may span
 * lines), any number of fields per record, blank lines skipped, no comment lines, and a bare
 * quote inside an unquoted field is an error.
 */
final class Csv {
    /** One record and the line it starts on (1-based). */
    record Row(int line, List<String> fields) {}

    /** A malformed record; the message names the line. */
    static final class ParseException extends Exception {
        final int line;
        ParseException(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
        }
    }

    private Csv() {}

    /**
     * The rows of a credentials file (token or basic-auth), each with at least three columns
     * ({@code firstColumn}, user name, user uid); anything else stops the server with an error
     * naming the flag, the file and the line.
     */
    static List<Row> readCredentials(String flag, java.nio.file.Path file, String firstColumn) {
        String where = flag + " " + file;
        List<Row> rows;
        try {
            rows = parse(java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(where + ": cannot read: " + e.getMessage(), e);
        } catch (ParseException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        for (Row row : rows) {
            if (row.fields().size() < 3) {
                throw new IllegalArgumentException(where + ": line " + row.line() + ": must have at least 3 columns ("
                        + firstColumn + ", user name, user uid), found " + row.fields().size());
            }
        }
        return rows;
    }

    static List<Row> parse(String text) throws ParseException {
        List<Row> rows = new ArrayList<>();
        int i = 0, line = 1, n = text.length();
        while (i < n) {
            // a blank line (\n or \r\n alone) is not a record
            if (text.charAt(i) == '\n') { i++; line++; continue; }
            if (text.charAt(i) == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') { i += 2; line++; continue; }
            int start = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean endOfRecord = false;
            while (!endOfRecord) {
                field.setLength(0);
                if (i < n && text.charAt(i) == '"') {
                    i++;
                    while (true) {
                        if (i >= n) throw new ParseException(start, "extraneous or missing \" in quoted-field");
                        char c = text.charAt(i);
                        if (c == '"') {
                            if (i + 1 < n && text.charAt(i + 1) == '"') { field.append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        if (c == '\n') line++;
                        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') { i++; continue; }
                        field.append(c);
                        i++;
                    }
                    if (i < n && text.charAt(i) == ',') { i++; }
                    else if (i >= n) { endOfRecord = true; }
                    else if (text.charAt(i) == '\n') { i++; line++; endOfRecord = true; }
                    else if (text.charAt(i) == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') { i += 2; line++; endOfRecord = true; }
                    else throw new ParseException(line, "extraneous or missing \" in quoted-field");
                } else {
                    while (true) {
                        if (i >= n) { endOfRecord = true; break; }
                        char c = text.charAt(i);
                        if (c == ',') { i++; break; }
                        if (c == '\n') { i++; line++; endOfRecord = true; break; }
                        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') { i += 2; line++; endOfRecord = true; break; }
                        if (c == '"') throw new ParseException(line, "bare \" in non-quoted-field");
                        field.append(c);
                        i++;
                    }
                }
                fields.add(field.toString());
            }
            rows.add(new Row(start, List.copyOf(fields)));
        }
        return rows;
    }
}
