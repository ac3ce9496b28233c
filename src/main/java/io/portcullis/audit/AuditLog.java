package io.portcullis.audit;

import io.portcullis.api.Json;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AccessRecorder.Request;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;

/**
 * Reads audit.k8s.io/v1 logs, one JSON event a line, as this server's {@code --audit-log-path}
 * and kube-apiserver's write them (rotated backups too, gzipped or not), into an
 * {@link AccessRecorder}: what one subject was allowed and denied, so that a least-privilege
 * answer can be made from a log as from the server's own records.
 *
 * <p>Each request counts once, whatever stages the policy logs: at ResponseStarted when a
 * long-running request has one (its ResponseComplete is then skipped), else at ResponseComplete
 * or Panic; RequestReceived, which comes before authorization, never counts. The decision is the
 * {@code authorization.k8s.io/decision} annotation ({@code allow} or {@code forbid}); without it a
 * 403 counts as denied and anything else is left out (the request never reached authorization:
 * a failed authentication, a 429, a path not served). The subject is the impersonated user when
 * there is one, and the time is the event's stageTimestamp. A create's objectRef carries the new
 * object's name, which authorization never saw: it is dropped.
 */
public final class AuditLog {
    private static final String DECISION = "authorization.k8s.io/decision";
    /** Names that appear verbatim in a JSON line: a line without them is not parsed. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9:._@+=,-]+");

    private AuditLog() {}

    /** What a log held: events read, requests counted for the subject, and its requests left out for want of a decision. */
    public record Summary(long events, long requests, long undecided) {}

    /** A file that cannot be read, or a line that is not an audit event: the message names the file and line. */
    public static final class BadLogException extends Exception {
        public BadLogException(String message) {
            super(message);
        }
    }

    /**
     * Adds {@code subject}'s requests in {@code files} to {@code into}. The files are read in the
     * order of their first events, so backups and the current file may be given in any order.
     */
    public static Summary read(List<Path> files, String subject, AccessRecorder into) throws BadLogException {
        record Opened(Path file, Instant first) {}
        List<Opened> ordered = new ArrayList<>();
        for (Path f : files) ordered.add(new Opened(f, firstTimestamp(f)));
        ordered.sort(Comparator.comparing(Opened::first));
        Reading reading = new Reading(subject, into);
        for (Opened o : ordered) reading.file(o.file());
        return new Summary(reading.events, reading.requests, reading.undecided);
    }

    private static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            if (file.getFileName().toString().endsWith(".gz")) in = new GZIPInputStream(in);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The stageTimestamp of the file's first event; an empty file sorts first. */
    private static Instant firstTimestamp(Path file) throws BadLogException {
        Instant[] first = {Instant.MIN};
        lines(file, (n, line) -> {
            first[0] = timestamp(event(file, n, line), file, n);
            return false;
        });
        return first[0];
    }

    /** Takes one line and its number; false to stop reading. */
    private interface LineReader {
        boolean line(int n, String text) throws BadLogException;
    }

    /** Each line of the file that is not blank, in order. */
    private static void lines(Path file, LineReader reader) throws BadLogException {
        try (BufferedReader r = open(file)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (!line.isBlank() && !reader.line(n, line)) return;
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static BadLogException unreadable(Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
        return new BadLogException("error: cannot read audit log " + file + ": " + why);
    }

    private static JsonNode event(Path file, int line, String text) throws BadLogException {
        JsonNode e;
        try {
            e = Json.tree(text.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException ex) {
            throw new BadLogException("error: " + file + ":" + line + ": not JSON, so not an audit.k8s.io/v1 event");
        }
        if (!e.path("kind").asString("").equals("Event") || !e.path("apiVersion").asString("").equals("audit.k8s.io/v1")) {
            throw new BadLogException("error: " + file + ":" + line + ": not an audit.k8s.io/v1 Event (kind \"" + e.path("kind").asString("")
                    + "\", apiVersion \"" + e.path("apiVersion").asString("") + "\")");
        }
        return e;
    }

    private static Instant timestamp(JsonNode e, Path file, int line) throws BadLogException {
        String t = e.path("stageTimestamp").asString("");
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ex) {
            throw new BadLogException("error: " + file + ":" + line + ": stageTimestamp \"" + t + "\" is not a time");
        }
    }

    /** One pass over the files, remembering the long-running requests counted at ResponseStarted. */
    private static final class Reading {
        final String subject;
        final AccessRecorder into;
        final boolean plain;
        final Set<String> started = new HashSet<>();
        long events;
        long requests;
        long undecided;

        Reading(String subject, AccessRecorder into) {
            this.subject = subject;
            this.into = into;
            this.plain = PLAIN.matcher(subject).matches();
        }

        void file(Path file) throws BadLogException {
            lines(file, (n, line) -> {
                events++;
                if (plain && !line.contains(subject)) {
                    // not parsed, but a cut or foreign line still stops the reading
                    String t = line.strip();
                    if (!t.startsWith("{") || !t.endsWith("}")) event(file, n, t);
                } else {
                    line(file, n, event(file, n, line));
                }
                return true;
            });
        }

        void line(Path file, int n, JsonNode e) throws BadLogException {
            JsonNode user = e.has("impersonatedUser") ? e.path("impersonatedUser") : e.path("user");
            if (!user.path("username").asString("").equals(subject)) return;
            String stage = e.path("stage").asString("");
            String id = e.path("auditID").asString("");
            switch (stage) {
                case "ResponseStarted" -> {
                    if (count(file, n, e, user)) started.add(id);
                }
                case "ResponseComplete", "Panic" -> {
                    if (!started.remove(id)) count(file, n, e, user);
                }
                default -> { }   // RequestReceived: before authorization
            }
        }

        /** Records the request when its decision is known; whether it was. */
        boolean count(Path file, int n, JsonNode e, JsonNode user) throws BadLogException {
            String decision = e.path("annotations").path(DECISION).asString("");
            boolean allowed;
            if (decision.equals("allow")) allowed = true;
            else if (decision.equals("forbid") || (decision.isEmpty() && e.path("responseStatus").path("code").asInt(0) == 403)) allowed = false;
            else {
                undecided++;
                return false;
            }
            List<String> groups = new ArrayList<>();
            user.path("groups").forEach(g -> groups.add(g.asString("")));
            into.record(subject, List.copyOf(groups), request(e), allowed, timestamp(e, file, n).toEpochMilli());
            requests++;
            return true;
        }
    }

    /** The request as authorization saw it. */
    static Request request(JsonNode e) {
        String verb = e.path("verb").asString("");
        JsonNode ref = e.path("objectRef");
        if (ref.isMissingNode() || ref.isNull()) {
            String uri = e.path("requestURI").asString("");
            int q = uri.indexOf('?');
            return new Request(false, verb, "", "", "", "", "", q < 0 ? uri : uri.substring(0, q));
        }
        String subresource = ref.path("subresource").asString("");
        // a create's name comes from its body, after authorization (a subresource's is in its URL)
        String name = verb.equals("create") && subresource.isEmpty() ? "" : ref.path("name").asString("");
        return new Request(true, verb, ref.path("apiGroup").asString(""), ref.path("resource").asString(""), subresource,
                ref.path("namespace").asString(""), name, "");
    }
}
