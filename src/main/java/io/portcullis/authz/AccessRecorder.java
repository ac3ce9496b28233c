package io.portcullis.authz;

import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import io.portcullis.pki.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What each subject (a user name; a ServiceAccount as {@code system:serviceaccount:<ns>:<name>})
 * was authorized or denied for: the distinct requests (verb, API group, resource, subresource,
 * namespace, name; or verb and path), each with how often it was allowed and denied, and when it
 * was first and last seen. Recording is a lookup in two concurrent maps and a few counter writes,
 * made on the request's own thread.
 *
 * <p>Bounded: at most {@code maxSubjects} subjects and {@code maxRequestsPerSubject} requests per
 * subject. Past a bound, the least recently seen tenth is evicted at once (the bound may be passed
 * by the few requests recorded while that runs). {@link #save} and {@link #load} keep the records
 * in a file of the data directory (owner-only, replaced atomically).
 */
public final class AccessRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(AccessRecorder.class);
    public static final int DEFAULT_MAX_SUBJECTS = 500;
    public static final int DEFAULT_MAX_REQUESTS_PER_SUBJECT = 200;
    static final String FORMAT = "portcullis.io/access-records/v1";

    private final int maxSubjects;
    private final int maxRequests;
    private final Clock clock;
    private final Map<String, Subject> subjects = new ConcurrentHashMap<>();
    private final AtomicBoolean evictingSubjects = new AtomicBoolean();
    private volatile boolean changed;
    private volatile String id = UUID.randomUUID().toString();

    public AccessRecorder(int maxSubjects, int maxRequestsPerSubject, Clock clock) {
        if (maxSubjects < 1 || maxRequestsPerSubject < 1) throw new IllegalArgumentException("the bounds must be positive");
        this.maxSubjects = maxSubjects;
        this.maxRequests = maxRequestsPerSubject;
        this.clock = clock;
    }

    /** The default bounds, on the system clock. */
    public static AccessRecorder bounded() {
        return new AccessRecorder(DEFAULT_MAX_SUBJECTS, DEFAULT_MAX_REQUESTS_PER_SUBJECT, Clock.systemUTC());
    }

    /**
     * A request as authorization saw it. A resource request is keyed by verb, group, resource,
     * subresource, namespace and name (its path and version do not matter to RBAC); a non-resource
     * request by verb and path.
     */
    public record Request(boolean resourceRequest, String verb, String apiGroup, String resource, String subresource,
                          String namespace, String name, String path) {
        public static Request of(Attributes a) {
            return a.resourceRequest()
                    ? new Request(true, a.verb(), a.apiGroup(), a.resource(), a.subresource(), a.namespace(), a.name(), "")
                    : new Request(false, a.verb(), "", "", "", "", "", a.path());
        }

        /** The same request for {@code user}, as the authorizer is asked. */
        public Attributes attributes(UserInfo user) {
            return resourceRequest ? Attributes.resource(user, verb, apiGroup, resource, subresource, namespace, name)
                    : Attributes.nonResource(user, verb, path);
        }

        /** {@code patch secrets/app-secret in prod}, {@code list pods.apps}, {@code get /healthz}: for messages and reports. */
        public String describe() {
            if (!resourceRequest) return verb + " " + path;
            StringBuilder s = new StringBuilder(verb).append(' ').append(resource);
            if (!apiGroup.isEmpty()) s.append('.').append(apiGroup);
            if (!subresource.isEmpty()) s.append('/').append(subresource);
            if (!name.isEmpty()) s.append(subresource.isEmpty() ? "/" : " of ").append(name);
            if (!namespace.isEmpty()) s.append(" in ").append(namespace);
            return s.toString();
        }
    }

    /** One request of one subject: counts since first seen; lastAllowed or lastDenied null when it never was. */
    public record Observed(Request request, long allowed, long denied, Instant firstSeen, Instant lastSeen, Instant lastAllowed,
                           Instant lastDenied) {
        public boolean allowedSince(Instant since) {
            return lastAllowed != null && !lastAllowed.isBefore(since);
        }

        public boolean deniedSince(Instant since) {
            return lastDenied != null && !lastDenied.isBefore(since);
        }
    }

    /**
     * Where a least-privilege answer reads one subject's records: a recorder itself, or the records
     * of every replica merged.
     */
    @FunctionalInterface
    public interface Source {
        /** A recorder holding the subject's records (empty when it was never seen); the caller only reads it. */
        AccessRecorder forSubject(String subject);
    }

    /** Records one decision; {@code allowed} is whether the request may proceed. */
    public void record(Attributes a, boolean allowed) {
        record(a.user().name(), a.user().groups(), Request.of(a), allowed, clock.millis());
    }

    /**
     * Records one decision for {@code subject}, in {@code groups}, made at {@code atMillis} (as an
     * audit log tells it); the sightings keep the earliest and the latest time whatever the order.
     */
    public void record(String subject, List<String> groups, Request key, boolean allowed, long atMillis) {
        Subject s = subjects.get(subject);
        if (s == null) s = addSubject(subject, atMillis);
        // shared fields are written only when they change: readers on other cores keep their cache lines
        if (s.groups != groups) s.groups = groups;
        Counts c = s.requests.get(key);
        if (c == null) c = s.add(key, atMillis);
        c.hit(allowed, atMillis);
        if (s.lastSeen < atMillis) s.lastSeen = atMillis;
        if (!s.changed) s.changed = true;
        if (!changed) changed = true;
    }

    private Subject addSubject(String name, long now) {
        Subject s = subjects.computeIfAbsent(name, k -> new Subject(now));
        if (subjects.size() > maxSubjects && evictingSubjects.compareAndSet(false, true)) {
            try {
                evictOldest(subjects, maxSubjects, e -> e.lastSeen);
            } finally {
                evictingSubjects.set(false);
            }
        }
        return s;
    }

    /** Drops the least recently seen entries until a tenth of {@code max} is free. */
    private static <K, V> void evictOldest(Map<K, V> map, int max, java.util.function.ToLongFunction<V> lastSeen) {
        List<Map.Entry<K, Long>> all = new ArrayList<>(map.size());
        for (Map.Entry<K, V> e : map.entrySet()) all.add(Map.entry(e.getKey(), lastSeen.applyAsLong(e.getValue())));
        int keep = max - Math.max(1, max / 10);
        if (all.size() <= keep) return;
        all.sort(Map.Entry.comparingByValue());
        for (int i = 0, drop = all.size() - keep; i < drop; i++) map.remove(all.get(i).getKey());
    }

    private final class Subject {
        final Map<Request, Counts> requests = new ConcurrentHashMap<>();
        final AtomicBoolean evicting = new AtomicBoolean();
        volatile List<String> groups = List.of();
        volatile long lastSeen;
        volatile boolean changed = true;   // since the last takeChanged

        Subject(long now) {
            this.lastSeen = now;   // the newest: never the one evicted for its own arrival
        }

        Counts add(Request key, long now) {
            Counts c = requests.computeIfAbsent(key, k -> new Counts(now));
            if (requests.size() > maxRequests && evicting.compareAndSet(false, true)) {
                try {
                    evictOldest(requests, maxRequests, x -> x.lastSeen);
                } finally {
                    evicting.set(false);
                }
            }
            return c;
        }
    }

    private static final class Counts {
        final AtomicLong allowed = new AtomicLong();
        final AtomicLong denied = new AtomicLong();
        volatile long firstSeen;
        volatile long lastSeen;
        volatile long lastAllowed;   // 0: never
        volatile long lastDenied;

        Counts(long firstSeen) {
            this.firstSeen = firstSeen;
            this.lastSeen = firstSeen;   // the newest: never the one evicted for its own arrival
        }

        void hit(boolean ok, long now) {
            if (ok) {
                allowed.incrementAndGet();
                if (lastAllowed < now) lastAllowed = now;
            } else {
                denied.incrementAndGet();
                if (lastDenied < now) lastDenied = now;
            }
            if (lastSeen < now) lastSeen = now;
            if (firstSeen > now) firstSeen = now;
        }

        Observed observed(Request r) {
            return new Observed(r, allowed.get(), denied.get(), Instant.ofEpochMilli(firstSeen), Instant.ofEpochMilli(lastSeen),
                    lastAllowed == 0 ? null : Instant.ofEpochMilli(lastAllowed), lastDenied == 0 ? null : Instant.ofEpochMilli(lastDenied));
        }
    }

    /** The subject's requests last seen at or after {@code since} (null: all), oldest first; empty when never seen. */
    public List<Observed> observed(String subject, Instant since) {
        Subject s = subjects.get(subject);
        if (s == null) return List.of();
        List<Observed> out = new ArrayList<>();
        for (Map.Entry<Request, Counts> e : s.requests.entrySet()) {
            Observed o = e.getValue().observed(e.getKey());
            if (since == null || !o.lastSeen().isBefore(since)) out.add(o);
        }
        out.sort(Comparator.comparing(Observed::firstSeen).thenComparing(o -> o.request().describe()));
        return out;
    }

    /** The groups the subject last authenticated with; empty when never seen. */
    public List<String> groups(String subject) {
        Subject s = subjects.get(subject);
        return s == null ? List.of() : s.groups;
    }

    /** The subjects recorded, by name. */
    public List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    /** Whether anything was recorded since the last {@link #save} or {@link #load}. */
    public boolean changed() {
        return changed;
    }

    /** Forgets everything. */
    public void clear() {
        subjects.clear();
        changed = true;
    }

    // ---- persistence ----

    /**
     * This recorder's own name, kept in its file: the key its records are shared under when
     * several replicas merge theirs (a new one for a recorder that starts without a file).
     */
    public String id() {
        return id;
    }

    /**
     * The names of the subjects recorded since the last call (or since {@link #load}), each once;
     * for a sharer that writes only what changed.
     */
    public List<String> takeChanged() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Subject> e : subjects.entrySet()) {
            if (e.getValue().changed) {
                e.getValue().changed = false;
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Writes every record to {@code file} (0600, replaced atomically). */
    public void save(Path file) throws IOException {
        changed = false;
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        root.put("id", id);
        ArrayNode list = root.putArray("subjects");
        for (String name : subjects.keySet()) {
            ObjectNode s = subjectJson(name);
            if (s != null) list.add(s);
        }
        SecureFiles.writePrivate(file, Json.string(root));
    }

    /**
     * One subject's records as JSON ({@code name}, {@code groups}, {@code requests}), as the file
     * holds them and {@link #merge} takes them; null when the subject is not recorded.
     */
    public ObjectNode subjectJson(String name) {
        Subject subject = subjects.get(name);
        if (subject == null) return null;
        ObjectNode s = Json.object();
        s.put("name", name);
        ArrayNode groups = s.putArray("groups");
        subject.groups.forEach(groups::add);
        ArrayNode requests = s.putArray("requests");
        for (Map.Entry<Request, Counts> r : subject.requests.entrySet()) {
            Request q = r.getKey();
            Counts c = r.getValue();
            ObjectNode o = requests.addObject();
            o.put("verb", q.verb());
            if (q.resourceRequest()) {
                o.put("apiGroup", q.apiGroup());
                o.put("resource", q.resource());
                if (!q.subresource().isEmpty()) o.put("subresource", q.subresource());
                if (!q.namespace().isEmpty()) o.put("namespace", q.namespace());
                if (!q.name().isEmpty()) o.put("name", q.name());
            } else {
                o.put("path", q.path());
            }
            o.put("allowed", c.allowed.get());
            o.put("denied", c.denied.get());
            o.put("firstSeen", c.firstSeen);
            o.put("lastSeen", c.lastSeen);
            if (c.lastAllowed != 0) o.put("lastAllowed", c.lastAllowed);
            if (c.lastDenied != 0) o.put("lastDenied", c.lastDenied);
        }
        return s;
    }

    /**
     * Adds one subject's records, as {@link #subjectJson} gives them (another replica's, or this
     * one's from its file): counts add up, the earliest first and the latest last sightings win,
     * the groups are the ones given. The subject counts as changed.
     */
    public void merge(JsonNode s) {
        String name = s.path("name").asString("");
        Subject subject = subjects.computeIfAbsent(name, k -> new Subject(0));
        List<String> groups = new ArrayList<>();
        s.path("groups").forEach(g -> groups.add(g.asString("")));
        if (!groups.isEmpty() || subject.groups.isEmpty()) subject.groups = List.copyOf(groups);
        for (JsonNode o : s.path("requests")) {
            Request q = o.has("path")
                    ? new Request(false, o.path("verb").asString(""), "", "", "", "", "", o.path("path").asString(""))
                    : new Request(true, o.path("verb").asString(""), o.path("apiGroup").asString(""), o.path("resource").asString(""),
                            o.path("subresource").asString(""), o.path("namespace").asString(""), o.path("name").asString(""), "");
            long first = o.path("firstSeen").asLong(0);
            Counts c = subject.requests.computeIfAbsent(q, k -> new Counts(first));
            c.allowed.addAndGet(o.path("allowed").asLong(0));
            c.denied.addAndGet(o.path("denied").asLong(0));
            if (first < c.firstSeen) c.firstSeen = first;
            c.lastSeen = Math.max(c.lastSeen, o.path("lastSeen").asLong(0));
            c.lastAllowed = Math.max(c.lastAllowed, o.path("lastAllowed").asLong(0));
            c.lastDenied = Math.max(c.lastDenied, o.path("lastDenied").asLong(0));
            subject.lastSeen = Math.max(subject.lastSeen, c.lastSeen);
        }
        subject.changed = true;
    }

    /**
     * Adds the records of {@code file}, written by {@link #save}, and takes its id; a missing file
     * adds nothing. A file that cannot be read is logged and left out (the records only inform; the
     * next save replaces it).
     */
    public void load(Path file) {
        JsonNode root;
        try {
            root = Json.tree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | RuntimeException e) {
            LOG.warn("access records {} cannot be read, starting without them: {}", file, e.getMessage());
            return;
        }
        if (!FORMAT.equals(root.path("format").asString(""))) {
            LOG.warn("access records {} are not in the format {}, starting without them", file, FORMAT);
            return;
        }
        String saved = root.path("id").asString("");
        if (!saved.isEmpty()) id = saved;
        for (JsonNode s : root.path("subjects")) merge(s);
        changed = false;
    }
}
