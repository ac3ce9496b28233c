package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.Names;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.ApiObjects;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import io.portcullis.tokens.TokenSigner;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's tokens controller: a Secret of type {@value #TYPE} annotated with
 * {@value #NAME_ANNOTATION} gets a legacy token, the cluster CA and the namespace, and the
 * service account's uid annotation; a token Secret whose service account is missing (or was
 * recreated with another uid) is deleted, as are a deleted service account's token Secrets.
 * With {@code autoCreate} (--legacy-service-account-token-secrets) every service account gets a
 * {@code <name>-token-<5 chars>} Secret, listed in its {@code secrets}.
 */
public final class TokensController implements AutoCloseable {
    public static final String TYPE = "kubernetes.io/service-account-token";
    public static final String NAME_ANNOTATION = "kubernetes.io/service-account.name";
    public static final String UID_ANNOTATION = "kubernetes.io/service-account.uid";

    private final ObjectStore objects;
    private final Strategy secrets;
    private final Strategy serviceAccounts;
    private final TokenSigner signer;
    private final String caPem;
    private final boolean autoCreate;
    private final Worker worker = new Worker("tokens-controller");

    private TokensController(ObjectStore objects, TokenSigner signer, String caPem, boolean autoCreate) {
        this.objects = objects;
        this.secrets = objects.strategy("", "secrets");
        this.serviceAccounts = objects.strategy("", "serviceaccounts");
        this.signer = signer;
        this.caPem = caPem;
        this.autoCreate = autoCreate;
    }

    public static TokensController start(ObjectStore objects, TokenSigner signer, String caPem, boolean autoCreate) {
        TokensController c = new TokensController(objects, signer, caPem, autoCreate);
        c.worker.listen(objects.cache(), c.serviceAccounts.type().keyPrefix(), e -> {
            String ns = e.item().namespace();
            String name = e.item().name();
            if (e.type() == CacheEvent.Type.DELETED) {
                c.worker.enqueue("sa-deleted/" + ns + "/" + name, () -> c.deleteTokensOf(ns, name));
            } else if (c.autoCreate) {
                c.worker.enqueue("sa/" + ns + "/" + name, () -> c.ensureReferencedToken(ns, name));
            }
        });
        c.worker.listen(objects.cache(), c.secrets.type().keyPrefix(), e -> {
            if (e.type() == CacheEvent.Type.DELETED || !TYPE.equals(e.item().object().path("type").asString(""))) {
                if (e.type() == CacheEvent.Type.DELETED && c.autoCreate && TYPE.equals(e.item().object().path("type").asString(""))) {
                    String sa = annotation(e.item().object(), NAME_ANNOTATION);
                    String ns = e.item().namespace();
                    c.worker.enqueue("sa/" + ns + "/" + sa, () -> c.ensureReferencedToken(ns, sa));
                }
                return;
            }
            String ns = e.item().namespace();
            String name = e.item().name();
            c.worker.enqueue("secret/" + ns + "/" + name, () -> c.syncSecret(ns, name));
        });
        return c;
    }

    /** Fills a token Secret, or deletes it when its service account is gone. */
    private void syncSecret(String namespace, String name) {
        Optional<Item> found = objects.find(secrets, namespace, name);
        if (found.isEmpty()) return;
        ObjectNode secret = found.get().object();
        if (!TYPE.equals(secret.path("type").asString("")) || !ApiObjects.meta(secret, "deletionTimestamp").isEmpty()) return;
        String saName = annotation(secret, NAME_ANNOTATION);
        String saUid = annotation(secret, UID_ANNOTATION);
        Optional<Item> sa = saName.isEmpty() ? Optional.empty() : objects.find(serviceAccounts, namespace, saName);
        String uid = sa.map(i -> ApiObjects.meta(i.object(), "uid")).orElse("");
        if (sa.isEmpty() || (!saUid.isEmpty() && !saUid.equals(uid))) {
            delete(namespace, name, ApiObjects.meta(secret, "uid"));
            return;
        }
        if (filled(secret, uid)) return;
        String token = signer.issueLegacy(namespace, saName, uid, name);
        try {
            objects.write(Context.SYSTEM, secrets, namespace, name, "", 0, o -> {
                if (filled(o, uid)) return o;
                ObjectNode meta = ApiObjects.metadata(o);
                JsonNode a = meta.get("annotations");
                ObjectNode annotations = a instanceof ObjectNode an ? an : meta.putObject("annotations");
                annotations.put(UID_ANNOTATION, uid);
                JsonNode d = o.get("data");
                ObjectNode data = d instanceof ObjectNode dn ? dn : o.putObject("data");
                if (data.path("ca.crt").asString("").isEmpty()) data.put("ca.crt", b64(caPem));
                if (data.path("namespace").asString("").isEmpty()) data.put("namespace", b64(namespace));
                if (data.path("token").asString("").isEmpty()) data.put("token", b64(token));
                return o;
            });
        } catch (ApiException e) {
            if (!Worker.is(e, "NotFound")) throw e;
        }
    }

    private static boolean filled(JsonNode secret, String uid) {
        JsonNode data = secret.path("data");
        return uid.equals(annotation(secret, UID_ANNOTATION)) && !data.path("ca.crt").asString("").isEmpty()
                && !data.path("namespace").asString("").isEmpty() && !data.path("token").asString("").isEmpty();
    }

    /** A deleted service account's token Secrets go too. */
    private void deleteTokensOf(String namespace, String saName) {
        if (objects.find(serviceAccounts, namespace, saName).isPresent()) {
            // re-created meanwhile: its secrets are checked against the new uid one by one
            for (Item it : objects.cache().all(secrets.type().prefix(namespace))) {
                if (TYPE.equals(it.object().path("type").asString("")) && saName.equals(annotation(it.object(), NAME_ANNOTATION))) {
                    syncSecret(namespace, it.name());
                }
            }
            return;
        }
        for (Item it : objects.cache().all(secrets.type().prefix(namespace))) {
            if (TYPE.equals(it.object().path("type").asString("")) && saName.equals(annotation(it.object(), NAME_ANNOTATION))) {
                delete(namespace, it.name(), ApiObjects.meta(it.object(), "uid"));
            }
        }
    }

    /** --legacy-service-account-token-secrets: the service account references a token Secret of its own. */
    private void ensureReferencedToken(String namespace, String saName) {
        Optional<Item> found = objects.find(serviceAccounts, namespace, saName);
        if (found.isEmpty()) return;
        ObjectNode sa = found.get().object();
        if (!ApiObjects.meta(sa, "deletionTimestamp").isEmpty()) return;
        String uid = ApiObjects.meta(sa, "uid");
        for (JsonNode ref : sa.path("secrets")) {
            Optional<Item> s = objects.find(secrets, namespace, ref.path("name").asString(""));
            if (s.isPresent() && TYPE.equals(s.get().object().path("type").asString(""))
                    && saName.equals(annotation(s.get().object(), NAME_ANNOTATION))) {
                return;
            }
        }
        String secretName = secretName(saName);
        ObjectNode secret = Json.object();
        ObjectNode meta = secret.putObject("metadata");
        meta.put("name", secretName);
        ObjectNode annotations = meta.putObject("annotations");
        annotations.put(NAME_ANNOTATION, saName);
        annotations.put(UID_ANNOTATION, uid);
        secret.put("type", TYPE);
        ObjectNode data = secret.putObject("data");
        data.put("ca.crt", b64(caPem));
        data.put("namespace", b64(namespace));
        data.put("token", b64(signer.issueLegacy(namespace, saName, uid, secretName)));
        try {
            objects.create(Context.SYSTEM, secrets, namespace, secret);
        } catch (ApiException e) {
            if (Worker.is(e, "NotFound", "Forbidden")) return;
            throw e;
        }
        try {
            objects.write(Context.SYSTEM, serviceAccounts, namespace, saName, "", 0, o -> {
                if (!uid.equals(ApiObjects.meta(o, "uid"))) throw io.portcullis.api.Statuses.notFound(serviceAccounts.type().groupResource(), saName);
                JsonNode s = o.get("secrets");
                ArrayNode list = s instanceof ArrayNode an ? an : o.putArray("secrets");
                list.addObject().put("name", secretName);
                return o;
            });
        } catch (ApiException e) {
            // the service account went away: its new secret must not outlive it
            delete(namespace, secretName, "");
            if (!Worker.is(e, "NotFound")) throw e;
        }
    }

    private void delete(String namespace, String name, String uid) {
        try {
            objects.delete(Context.SYSTEM, secrets, namespace, name, uid.isEmpty() ? null : uid, null);
        } catch (ApiException e) {
            if (!Worker.is(e, "NotFound", "Conflict")) throw e;
        }
    }

    static String secretName(String saName) {
        return Names.generate(saName + "-token-");
    }

    private static String annotation(JsonNode o, String key) {
        return o.path("metadata").path("annotations").path(key).asString("");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        worker.close();
    }
}
