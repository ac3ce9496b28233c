package io.portcullis.storage.encryption;

import io.portcullis.api.GroupResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A loaded encryption configuration, apiserver.config.k8s.io/v1 EncryptionConfiguration read as
 * upstream reads it: each entry lists resources ({@code secrets}, {@code deployments.apps}, and the
 * wildcards {@code *.apps}, {@code *.} for the core group and {@code *.*}) and the providers for
 * them ({@code aescbc}, {@code aesgcm}, {@code secretbox}, {@code identity}, {@code kms} v2). A
 * resource takes its exact rule, else its group's wildcard, else {@code *.*}, else identity. The
 * file is checked as a whole first; nothing in an error message is key material.
 */
final class EncryptionConfig implements AutoCloseable {
    private static final GroupResource ANY = new GroupResource("*", "*");
    private static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final List<Integer> AES_KEY_SIZES = List.of(16, 24, 32);
    private static final Duration DEFAULT_KMS_TIMEOUT = Duration.ofSeconds(3);

    private final Map<GroupResource, Providers> rules;
    private final List<KmsV2> plugins;
    private final String hash;

    private EncryptionConfig(Map<GroupResource, Providers> rules, List<KmsV2> plugins, String hash) {
        this.rules = rules;
        this.plugins = plugins;
        this.hash = hash;
    }

    /** Reads and checks the file, then connects to its KMS plugins. IllegalArgumentException naming each problem and where. */
    static EncryptionConfig load(Path file) {
        byte[] content = read(file);
        if (content.length == 0) throw new IllegalArgumentException(file + ": the file is empty");
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not YAML or JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        Parser parser = new Parser();
        List<Entry> entries = parser.configuration(root);
        if (!parser.problems.isEmpty()) throw new IllegalArgumentException(file + ": " + String.join("; ", parser.problems));
        Map<GroupResource, List<Transformer>> byResource = new LinkedHashMap<>();
        List<KmsV2> plugins = new ArrayList<>();
        for (Entry entry : entries) {
            List<Transformer> transformers = new ArrayList<>();
            for (Provider p : entry.providers()) transformers.addAll(p.transformers(plugins));
            for (GroupResource r : entry.resources()) byResource.computeIfAbsent(r, k -> new ArrayList<>()).addAll(transformers);
        }
        Map<GroupResource, Providers> rules = new LinkedHashMap<>();
        byResource.forEach((r, t) -> rules.put(r, new Providers(t)));
        return new EncryptionConfig(rules, List.copyOf(plugins), hash(content));
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** A digest of the file's content, to notice a change without keeping the keys' text. */
    static String hash(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String hash() {
        return hash;
    }

    /** The providers of a resource: its own rule, else its group's wildcard, else *.*, else identity. */
    Providers providers(GroupResource resource) {
        Providers p = rules.get(resource);
        if (p == null) p = rules.get(new GroupResource(resource.group(), "*"));
        if (p == null) p = rules.get(ANY);
        return p == null ? Providers.IDENTITY : p;
    }

    boolean usesKms() {
        return !plugins.isEmpty();
    }

    /** The kms-providers check: every KMS plugin answered its last Status well and has a key to write with. */
    boolean healthy() {
        return plugins.stream().allMatch(KmsV2::healthy);
    }

    /** Checks the unhealthy plugins again every 100 ms until all are healthy (true) or the time is up (false). */
    boolean awaitHealthy(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!healthy()) {
            if (System.nanoTime() - deadline > 0) return false;
            plugins.stream().filter(p -> !p.healthy()).forEach(KmsV2::check);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        plugins.forEach(KmsV2::close);
    }

    // ---- the file's shape ----

    private record Entry(List<GroupResource> resources, List<Provider> providers) {}

    private record Key(String name, byte[] secret) {}

    /** One element of providers: exactly one kind. */
    private record Provider(String kind, List<Key> keys, String kmsName, Path socket, Duration timeout) {
        List<Transformer> transformers(List<KmsV2> plugins) {
            List<Transformer> out = new ArrayList<>();
            switch (kind) {
                case "aescbc" -> keys.forEach(k -> out.add(new AesCbc(k.name(), k.secret())));
                case "aesgcm" -> keys.forEach(k -> out.add(new AesGcm(k.name(), k.secret())));
                case "secretbox" -> keys.forEach(k -> out.add(new Secretbox(k.name(), k.secret())));
                case "kms" -> {
                    KmsV2 kms = KmsV2.start(kmsName, socket, timeout);
                    plugins.add(kms);
                    out.add(kms);
                }
                default -> out.add(Identity.INSTANCE);
            }
            return out;
        }
    }

    /** Walks the tree, collecting every problem with its path (resources[0].providers[1].aescbc.keys[0].secret). */
    static final class Parser {
        final List<String> problems = new ArrayList<>();
        private final Set<String> kmsNames = new HashSet<>();
        private final Set<GroupResource> seen = new HashSet<>();

        List<Entry> configuration(JsonNode root) {
            if (root == null || !root.isObject()) {
                problems.add("not an EncryptionConfiguration object");
                return List.of();
            }
            only(root, "", "apiVersion", "kind", "resources");
            if (!"apiserver.config.k8s.io/v1".equals(root.path("apiVersion").asString(""))) {
                problems.add("apiVersion: must be apiserver.config.k8s.io/v1");
            }
            if (!"EncryptionConfiguration".equals(root.path("kind").asString(""))) problems.add("kind: must be EncryptionConfiguration");
            List<Entry> entries = new ArrayList<>();
            JsonNode resources = root.path("resources");
            if (!resources.isArray() || resources.isEmpty()) problems.add("resources: at least one resources is required");
            for (int i = 0; i < resources.size(); i++) {
                String path = "resources[" + i + "]";
                JsonNode entry = resources.get(i);
                if (!entry.isObject()) {
                    problems.add(path + ": must be an object");
                    continue;
                }
                only(entry, path + ".", "resources", "providers");
                entries.add(new Entry(resources(entry.path("resources"), path + ".resources"), providers(entry.path("providers"), path + ".providers")));
            }
            return entries;
        }

        private List<GroupResource> resources(JsonNode list, String path) {
            List<GroupResource> out = new ArrayList<>();
            if (!list.isArray() || list.isEmpty()) problems.add(path + ": at least one resource is required");
            for (int i = 0; i < list.size(); i++) {
                String at = path + "[" + i + "]";
                String name = list.get(i).asString("");
                GroupResource r = parse(name);
                String wrong = name.isEmpty() ? "must be a resource name"
                        : !name.equals(name.toLowerCase(java.util.Locale.ROOT)) ? "resource name should not contain capital letters"
                        : name.equals("*") ? "use '*.' to encrypt all the resources of the core group, or '*.*' to encrypt all resources"
                        : r.group().equals("events.k8s.io") ? "'*.events.k8s.io' objects are stored as 'events'; name 'events' instead"
                        : r.group().equals("extensions") ? "the 'extensions' group has been removed and cannot be encrypted"
                        : r.group().equals("*") && !r.resource().equals("*") ? "encrypting the same resource across groups is not supported"
                        : out.contains(r) ? "the same resource cannot be named twice"
                        : overlaps(r, out) ? "overlapping resources such as 'secrets' and '*.' in the same list are not allowed"
                        : null;
                if (wrong != null) {
                    problems.add(at + ": " + wrong);
                    continue;
                }
                GroupResource groupWildcard = new GroupResource(r.group(), "*");
                if (seen.contains(ANY) || seen.contains(groupWildcard)) {
                    problems.add(at + ": " + name + " is masked by an earlier rule (" + (seen.contains(ANY) ? "*.*" : wildcard(r.group())) + ")");
                    continue;
                }
                out.add(r);
            }
            seen.addAll(out);
            return out;
        }

        private static boolean overlaps(GroupResource r, List<GroupResource> others) {
            for (GroupResource o : others) {
                if (r.equals(ANY) || o.equals(ANY)) return true;
                if (r.group().equals(o.group()) && (r.resource().equals("*") || o.resource().equals("*"))) return true;
            }
            return false;
        }

        /** As upstream reads "resource.group": the resource up to the first dot, the group after it. */
        private static GroupResource parse(String name) {
            int dot = name.indexOf('.');
            return dot < 0 ? GroupResource.core(name) : new GroupResource(name.substring(dot + 1), name.substring(0, dot));
        }

        private static String wildcard(String group) {
            return group.isEmpty() ? "*." : "*." + group;
        }

        private List<Provider> providers(JsonNode list, String path) {
            List<Provider> out = new ArrayList<>();
            if (!list.isArray() || list.isEmpty()) problems.add(path + ": at least one provider is required");
            for (int i = 0; i < list.size(); i++) {
                String at = path + "[" + i + "]";
                JsonNode p = list.get(i);
                List<String> kinds = new ArrayList<>();
                p.propertyNames().forEach(kinds::add);
                if (!p.isObject() || kinds.isEmpty()) {
                    problems.add(at + ": names none of the providers aescbc, aesgcm, secretbox, identity, kms");
                } else if (kinds.size() > 1) {
                    problems.add(at + ": more than one provider in one element (" + String.join(", ", kinds) + "); give each its own element");
                } else {
                    Provider provider = provider(kinds.get(0), p.get(kinds.get(0)), at + "." + kinds.get(0));
                    if (provider != null) out.add(provider);
                }
            }
            return out;
        }

        private Provider provider(String kind, JsonNode config, String path) {
            switch (kind) {
                case "aescbc", "aesgcm", "secretbox" -> {
                    only(config, path + ".", "keys");
                    List<Key> keys = keys(config.path("keys"), path + ".keys", kind.equals("secretbox") ? List.of(Secretbox.KEY) : AES_KEY_SIZES);
                    return new Provider(kind, keys, null, null, null);
                }
                case "identity" -> {
                    only(config, path + ".");
                    return new Provider(kind, List.of(), null, null, null);
                }
                case "kms" -> {
                    return kms(config, path);
                }
                default -> {
                    problems.add(path + ": unknown provider (want aescbc, aesgcm, secretbox, identity or kms)");
                    return null;
                }
            }
        }

        private List<Key> keys(JsonNode list, String path, List<Integer> sizes) {
            List<Key> out = new ArrayList<>();
            if (!list.isArray() || list.isEmpty()) problems.add(path + ": at least one key is required");
            for (int i = 0; i < list.size(); i++) {
                String at = path + "[" + i + "]";
                JsonNode k = list.get(i);
                only(k, at + ".", "name", "secret");
                String name = k.path("name").asString("");
                String secret = k.path("secret").asString("");
                if (name.isEmpty()) problems.add(at + ".name: a key needs a name");
                if (secret.isEmpty()) {
                    problems.add(at + ".secret: a key needs a secret");
                    continue;
                }
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(secret);
                } catch (IllegalArgumentException e) {
                    problems.add(at + ".secret: secrets must be base64 encoded");
                    continue;
                }
                if (!sizes.contains(bytes.length)) {
                    problems.add(at + ".secret: the secret is " + bytes.length + " bytes, expected one of " + sizes);
                    continue;
                }
                out.add(new Key(name, bytes));
            }
            return out;
        }

        private Provider kms(JsonNode config, String path) {
            only(config, path + ".", "apiVersion", "name", "endpoint", "cachesize", "timeout");
            String apiVersion = config.path("apiVersion").asString("v1");
            String name = config.path("name").asString("");
            if (!apiVersion.equals("v2")) problems.add(path + ".apiVersion: only KMS v2 is supported; set apiVersion: v2");
            if (config.has("cachesize")) problems.add(path + ".cachesize: cachesize is not supported in v2");
            if (name.isEmpty()) problems.add(path + ".name: a kms provider needs a name");
            else if (name.contains(":")) problems.add(path + ".name: invalid KMS provider name " + name + ", must not contain ':'");
            else if (!kmsNames.add(name)) problems.add(path + ".name: duplicate KMS provider name " + name + ", names must be unique");
            Path socket = socket(config.path("endpoint").asString(""), path + ".endpoint");
            Duration timeout = DEFAULT_KMS_TIMEOUT;
            if (config.has("timeout")) {
                timeout = goDuration(config.path("timeout").asString(""));
                if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                    problems.add(path + ".timeout: timeout should be a positive duration such as 3s");
                    timeout = DEFAULT_KMS_TIMEOUT;
                }
            }
            return new Provider("kms", List.of(), name, socket, timeout);
        }

        private Path socket(String endpoint, String path) {
            if (endpoint.isEmpty()) {
                problems.add(path + ": endpoint is a mandatory field for a kms provider");
                return null;
            }
            try {
                URI uri = new URI(endpoint);
                if (!"unix".equals(uri.getScheme())) {
                    problems.add(path + ": unsupported scheme \"" + uri.getScheme() + "\" for KMS provider, only unix is supported");
                    return null;
                }
                String socket = (uri.getAuthority() == null ? "" : uri.getAuthority()) + (uri.getPath() == null ? "" : uri.getPath());
                if (socket.isEmpty()) throw new java.net.URISyntaxException(endpoint, "no socket path");
                return Path.of(socket);
            } catch (java.net.URISyntaxException e) {
                problems.add(path + ": invalid endpoint for kms provider: " + e.getMessage());
                return null;
            }
        }

        /** Go's duration syntax as the file's timeout uses it: 3s, 500ms, 1m30s, 1.5s. Null when it is not one. */
        static Duration goDuration(String text) {
            Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(text);
            double nanos = 0;
            int at = 0;
            while (m.find() && m.start() == at) {
                double n = Double.parseDouble(m.group(1));
                nanos += n * switch (m.group(2)) {
                    case "ns" -> 1;
                    case "us", "µs" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    default -> 3600e9;
                };
                at = m.end();
            }
            return at == 0 || at != text.length() ? null : Duration.ofNanos((long) nanos);
        }

        /** Strict, as upstream decodes the file: a field it does not know is an error, not ignored. */
        private void only(JsonNode object, String path, String... fields) {
            if (object == null || !object.isObject()) {
                if (object != null && !object.isMissingNode() && !object.isNull()) problems.add(path + ": must be an object");
                return;
            }
            for (String f : object.propertyNames()) {
                if (!List.of(fields).contains(f)) problems.add(path + f + ": unknown field");
            }
        }
    }
}
