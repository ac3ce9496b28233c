package io.portcullis.admission;

import io.portcullis.api.ApiException;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Names;
import io.portcullis.api.Statuses;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's ServiceAccount admission plugin, for pods being created: the service account
 * defaults to {@code default} and must exist; unless automounting is off (the pod's choice wins
 * over the service account's), a projected {@code kube-api-access-<5>} volume (token, cluster CA,
 * namespace) is mounted read-only at {@value #MOUNT_PATH} in every container and init container
 * that has nothing there; the service account's image pull secrets are copied to a pod that has
 * none. Mirror pods are left alone and may not reference service accounts, secrets or tokens.
 * Changing a pod's service account later is refused by pod validation (the spec is immutable).
 */
public final class ServiceAccountAdmission implements MutatingPlugin, ValidatingPlugin {
    public static final String NAME = "ServiceAccount";
    public static final String DEFAULT = "default";
    public static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    public static final String VOLUME_PREFIX = "kube-api-access-";
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    static final String ENFORCE_MOUNTABLE = "kubernetes.io/enforce-mountable-secrets";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final GroupResource PODS = GroupResource.core("pods");

    /** A service account by namespace and name, as of the newest write; empty when absent. */
    @FunctionalInterface
    public interface ServiceAccountLookup {
        Optional<JsonNode> get(String namespace, String name);
    }

    private final ServiceAccountLookup serviceAccounts;
    private final int defaultLookups;
    private final Duration defaultPause;

    /**
     * @param defaultLookups how often to look for {@code default}, which a controller may still be creating
     * @param defaultPause   the pause between those lookups (upstream: 100-200 ms, ten times)
     */
    public ServiceAccountAdmission(ServiceAccountLookup serviceAccounts, int defaultLookups, Duration defaultPause) {
        this.serviceAccounts = serviceAccounts;
        this.defaultLookups = Math.max(1, defaultLookups);
        this.defaultPause = defaultPause;
    }

    public ServiceAccountAdmission(ServiceAccountLookup serviceAccounts) {
        this(serviceAccounts, 10, Duration.ofMillis(100));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(Operation op) {
        return op == Operation.CREATE;
    }

    private static boolean applies(AdmissionRequest r) {
        return r.operation() == Operation.CREATE && r.type().group().isEmpty() && r.type().resource().equals("pods")
                && (r.subresource() == null || r.subresource().isEmpty()) && r.object() != null;
    }

    @Override
    public ObjectNode admit(AdmissionRequest r) {
        if (!applies(r)) return r.object();
        ObjectNode pod = r.object();
        if (mirror(pod)) return pod;
        ObjectNode spec = object(pod, "spec");
        String saName = spec.path("serviceAccountName").asString("");
        if (saName.isEmpty()) {
            saName = DEFAULT;
            spec.put("serviceAccountName", saName);
            spec.put("serviceAccount", saName);   // the deprecated alias, stored alike as upstream's v1 form has it
        }
        JsonNode sa = find(r.namespace(), saName).orElseThrow(() -> Statuses.forbidden(PODS, r.name(),
                "error looking up service account " + r.namespace() + "/" + spec.path("serviceAccountName").asString()
                        + ": serviceaccount \"" + spec.path("serviceAccountName").asString() + "\" not found"));
        if (automount(sa, spec)) mountToken(spec);
        if (spec.path("imagePullSecrets").isEmpty() && !sa.path("imagePullSecrets").isEmpty()) {
            ArrayNode copied = spec.putArray("imagePullSecrets");
            for (JsonNode s : sa.path("imagePullSecrets")) copied.add(s.deepCopy());
        }
        enforceMountable(r, spec, sa);
        return pod;
    }

    @Override
    public void validate(AdmissionRequest r) {
        if (!applies(r)) return;
        ObjectNode pod = r.object();
        JsonNode spec = pod.path("spec");
        if (mirror(pod)) {
            if (!spec.path("serviceAccountName").asString("").isEmpty()) {
                throw Statuses.forbidden(PODS, r.name(), "a mirror pod may not reference service accounts");
            }
            for (JsonNode v : spec.path("volumes")) {
                if (v.has("secret")) throw Statuses.forbidden(PODS, r.name(), "a mirror pod may not reference secrets");
                for (JsonNode source : v.path("projected").path("sources")) {
                    if (source.has("secret")) throw Statuses.forbidden(PODS, r.name(), "a mirror pod may not reference secrets");
                    if (source.has("serviceAccountToken")) {
                        throw Statuses.forbidden(PODS, r.name(), "a mirror pod may not use ServiceAccountToken volume projections");
                    }
                }
            }
        }
    }

    private Optional<JsonNode> find(String namespace, String name) {
        int attempts = name.equals(DEFAULT) ? defaultLookups : 1;
        for (int i = 0; ; i++) {
            Optional<JsonNode> sa = serviceAccounts.get(namespace, name);
            if (sa.isPresent() || i + 1 >= attempts) return sa;
            try {
                long base = defaultPause.toMillis();
                Thread.sleep(base + (base > 0 ? RANDOM.nextLong(base) : 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return sa;
            }
        }
    }

    /** As upstream: the pod's automountServiceAccountToken, else the service account's, else true. */
    static boolean automount(JsonNode sa, JsonNode spec) {
        JsonNode pod = spec.get("automountServiceAccountToken");
        if (pod != null && pod.isBoolean()) return pod.asBoolean();
        JsonNode account = sa.get("automountServiceAccountToken");
        if (account != null && account.isBoolean()) return account.asBoolean();
        return true;
    }

    private static void mountToken(ObjectNode spec) {
        String volumeName = null;
        for (JsonNode v : spec.path("volumes")) {
            String n = v.path("name").asString("");
            if (n.startsWith(VOLUME_PREFIX)) {
                volumeName = n;
                break;
            }
        }
        boolean hasVolume = volumeName != null;
        if (volumeName == null) volumeName = VOLUME_PREFIX + Names.randomSuffix();
        boolean needed = false;
        for (String list : new String[] {"initContainers", "containers"}) {
            JsonNode cs = spec.get(list);
            if (!(cs instanceof ArrayNode containers)) continue;
            for (JsonNode c : containers) {
                if (!(c instanceof ObjectNode container)) continue;
                boolean mounted = false;
                for (JsonNode m : container.path("volumeMounts")) {
                    if (MOUNT_PATH.equals(m.path("mountPath").asString(""))) {
                        mounted = true;
                        break;
                    }
                }
                if (mounted) continue;
                JsonNode existing = container.get("volumeMounts");
                ArrayNode mounts = existing instanceof ArrayNode a ? a : container.putArray("volumeMounts");
                ObjectNode mount = mounts.addObject();
                mount.put("name", volumeName);
                mount.put("readOnly", true);
                mount.put("mountPath", MOUNT_PATH);
                needed = true;
            }
        }
        if (!hasVolume && needed) {
            JsonNode existing = spec.get("volumes");
            ArrayNode volumes = existing instanceof ArrayNode a ? a : spec.putArray("volumes");
            volumes.add(tokenVolume(volumeName));
        }
    }

    /** The projected volume upstream adds, defaultMode 420 set explicitly as upstream does. */
    public static ObjectNode tokenVolume(String name) {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        v.put("name", name);
        ObjectNode projected = v.putObject("projected");
        ArrayNode sources = projected.putArray("sources");
        ObjectNode token = sources.addObject().putObject("serviceAccountToken");
        token.put("expirationSeconds", 3607);
        token.put("path", "token");
        ObjectNode cm = sources.addObject().putObject("configMap");
        cm.put("name", "kube-root-ca.crt");
        ObjectNode item = cm.putArray("items").addObject();
        item.put("key", "ca.crt");
        item.put("path", "ca.crt");
        ObjectNode ns = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
        ns.put("path", "namespace");
        ObjectNode ref = ns.putObject("fieldRef");
        ref.put("apiVersion", "v1");
        ref.put("fieldPath", "metadata.namespace");
        projected.put("defaultMode", 420);
        return v;
    }

    /** With the service account's enforce-mountable-secrets annotation, the pod may use only the secrets it lists. */
    private static void enforceMountable(AdmissionRequest r, JsonNode spec, JsonNode sa) {
        if (!"true".equals(sa.path("metadata").path("annotations").path(ENFORCE_MOUNTABLE).asString(""))) return;
        String saName = sa.path("metadata").path("name").asString("");
        Set<String> mountable = new HashSet<>();
        for (JsonNode s : sa.path("secrets")) mountable.add(s.path("name").asString(""));
        for (JsonNode v : spec.path("volumes")) {
            String secret = v.path("secret").path("secretName").asString("");
            if (v.has("secret") && !mountable.contains(secret)) {
                throw refused(r, "volume with secret.secretName=\"" + secret + "\" is not allowed because service account "
                        + saName + " does not reference that secret");
            }
        }
        for (String list : new String[] {"initContainers", "containers"}) {
            String what = list.equals("initContainers") ? "init container " : "container ";
            for (JsonNode c : spec.path(list)) {
                String cname = c.path("name").asString("");
                for (JsonNode env : c.path("envFrom")) {
                    String secret = env.path("secretRef").path("name").asString("");
                    if (env.has("secretRef") && !mountable.contains(secret)) {
                        throw refused(r, what + cname + " with envFrom referencing secret.secretName=\"" + secret
                                + "\" is not allowed because service account " + saName + " does not reference that secret");
                    }
                }
                for (JsonNode env : c.path("env")) {
                    JsonNode ref = env.path("valueFrom").get("secretKeyRef");
                    if (ref == null) continue;
                    String secret = ref.path("name").asString("");
                    if (!mountable.contains(secret)) {
                        throw refused(r, what + cname + " with envVar " + env.path("name").asString("") + " referencing secret.secretName=\""
                                + secret + "\" is not allowed because service account " + saName + " does not reference that secret");
                    }
                }
            }
        }
        Set<String> pullable = new HashSet<>();
        for (JsonNode s : sa.path("imagePullSecrets")) pullable.add(s.path("name").asString(""));
        JsonNode pulls = spec.path("imagePullSecrets");
        for (int i = 0; i < pulls.size(); i++) {
            String name = pulls.get(i).path("name").asString("");
            if (!pullable.contains(name)) {
                throw refused(r, "imagePullSecrets[" + i + "].name=\"" + name + "\" is not allowed because service account "
                        + saName + " does not reference that imagePullSecret");
            }
        }
    }

    private static ApiException refused(AdmissionRequest r, String why) {
        return Statuses.forbidden(PODS, r.name(), why);
    }

    private static boolean mirror(ObjectNode pod) {
        return pod.path("metadata").path("annotations").has(MIRROR_ANNOTATION);
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        return n instanceof ObjectNode o ? o : parent.putObject(field);
    }

}
