package io.portcullis.server;

import io.portcullis.admission.ServiceAccountAdmission;
import io.portcullis.authn.CachedTokenAuthenticator;
import io.portcullis.authn.ServiceAccountTokenAuthenticator;
import io.portcullis.authn.TokenAuthenticator;
import io.portcullis.controllers.NamespaceController;
import io.portcullis.controllers.RootCaController;
import io.portcullis.controllers.ServiceAccountsController;
import io.portcullis.controllers.TokensController;
import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.Keys;
import io.portcullis.pki.Pem;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.registry.SubresourceHandler;
import io.portcullis.registry.TokenRequests;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import io.portcullis.tokens.Jwks;
import io.portcullis.tokens.ServiceAccountKeys;
import io.portcullis.tokens.TokenSigner;
import io.portcullis.tokens.TokenVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Everything ServiceAccounts add to a server, built from the --service-account-* flags: the
 * token signer and verifier, the token authenticator (lookups from the watch cache) and its
 * revocation on change, TokenRequest, pod admission, issuer discovery documents and the
 * controllers (default accounts, kube-root-ca.crt, token Secrets, namespace deletion).
 */
public final class ServiceAccounts implements AutoCloseable {
    /** kube-apiserver requires --service-account-issuer; this is the issuer kubeadm and k3s configure. */
    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

    private final ServerConfig.ServiceAccounts config;
    private final List<String> issuers;
    private final List<String> apiAudiences;
    private final List<PublicKey> verifyingKeys;
    private final TokenSigner signer;
    private final TokenVerifier verifier;
    private final String caPem;
    private final List<AutoCloseable> controllers = new ArrayList<>();

    private ServiceAccounts(ServerConfig.ServiceAccounts config, List<String> issuers, List<String> apiAudiences,
                            List<PublicKey> verifyingKeys, TokenSigner signer, String caPem) {
        this.config = config;
        this.issuers = List.copyOf(issuers);
        this.apiAudiences = List.copyOf(apiAudiences);
        this.verifyingKeys = List.copyOf(verifyingKeys);
        this.signer = signer;
        this.caPem = caPem;
        this.verifier = new TokenVerifier(verifyingKeys, issuers, apiAudiences, Clock.systemUTC());
    }

    /** Loads the keys named by the flags (the generated ServiceAccount key by default); errors name the file. */
    public static ServiceAccounts load(ServerConfig.ServiceAccounts c, ClusterPki pki) throws IOException {
        if (c == null) c = ServerConfig.ServiceAccounts.defaults();
        List<String> issuers = c.issuers() == null || c.issuers().isEmpty() ? List.of(DEFAULT_ISSUER) : c.issuers();
        List<String> audiences = c.apiAudiences() == null || c.apiAudiences().isEmpty() ? issuers : c.apiAudiences();
        PrivateKey signing = c.signingKeyFile() == null ? pki.serviceAccountPrivateKey() : ServiceAccountKeys.loadPrivateKey(c.signingKeyFile());
        List<PublicKey> keys = new ArrayList<>();
        keys.add(Keys.publicKeyOf(signing));
        if (c.signingKeyFile() == null && !keys.contains(pki.serviceAccountPublicKey())) keys.add(pki.serviceAccountPublicKey());
        if (c.keyFiles() != null) {
            for (Path p : c.keyFiles()) {
                for (PublicKey k : ServiceAccountKeys.loadPublicKeys(p)) if (!keys.contains(k)) keys.add(k);
            }
        }
        TokenSigner signer = new TokenSigner(signing, issuers.get(0), Clock.systemUTC());
        return new ServiceAccounts(c, issuers, audiences, keys, signer, Pem.encode(pki.caCertificate()));
    }

    public TokenSigner signer() {
        return signer;
    }

    public List<String> apiAudiences() {
        return apiAudiences;
    }

    /** The pod admission plugin; {@code objects} is asked lazily, as the store is built after admission. */
    public ServiceAccountAdmission admission(Supplier<ObjectStore> objects) {
        return new ServiceAccountAdmission((ns, name) -> {
            ObjectStore o = objects.get();
            return o.find(o.strategy("", "serviceaccounts"), ns, name).map(i -> (JsonNode) i.object());
        });
    }

    /** The uncached token authenticator, its lookups served by the watch cache. */
    public TokenAuthenticator authenticator(WatchCache cache, ObjectStore objects) {
        return new ServiceAccountTokenAuthenticator(verifier, config.lookup(),
                lookup(cache, objects.strategy("", "serviceaccounts")),
                lookup(cache, objects.strategy("", "secrets")),
                lookup(cache, objects.strategy("", "pods")));
    }

    /** A cache lookup; on a miss, waits briefly for the cache to hold every acknowledged write and looks again. */
    private static ServiceAccountTokenAuthenticator.Lookup lookup(WatchCache cache, Strategy s) {
        return (ns, name) -> {
            String key = s.type().key(ns, name);
            Optional<Item> it = cache.get(key);
            if (it.isEmpty() && cache.waitFresh(Duration.ofMillis(500))) it = cache.get(key);
            return it.map(i -> (JsonNode) i.object());
        };
    }

    /** Drops cached token results the moment a ServiceAccount, Secret or Pod they depend on changes or goes. */
    public void revokeOnChange(WatchCache cache, CachedTokenAuthenticator cached) {
        revoke(cache, "/registry/core/serviceaccounts/", "serviceaccount", cached);
        revoke(cache, "/registry/core/secrets/", "secret", cached);
        revoke(cache, "/registry/core/pods/", "pod", cached);
    }

    private static void revoke(WatchCache cache, String prefix, String kind, CachedTokenAuthenticator cached) {
        cache.addListener(prefix, e -> {
            if (e.type() != CacheEvent.Type.ADDED) {
                cached.invalidate(ServiceAccountTokenAuthenticator.key(kind, e.item().namespace(), e.item().name()));
            }
        });
    }

    /** The handler of serviceaccounts/token. */
    public SubresourceHandler tokenRequests() {
        return new TokenRequests(signer, apiAudiences, config.maxTokenExpiration(), config.extendTokenExpiration(), Clock.systemUTC());
    }

    /** The issuer discovery documents by path; none unless the issuer is an https URL, as upstream. */
    public Map<String, byte[]> documents() {
        String issuer = issuers.get(0);
        Map<String, byte[]> docs = new LinkedHashMap<>();
        if (!issuer.startsWith("https://")) return docs;
        docs.put(Jwks.DISCOVERY_PATH, Jwks.discovery(issuer, config.jwksUri(), verifyingKeys).getBytes(StandardCharsets.UTF_8));
        docs.put(Jwks.JWKS_PATH, Jwks.keySet(verifyingKeys).getBytes(StandardCharsets.UTF_8));
        return docs;
    }

    /** Starts the controllers; {@link #close()} stops them. */
    public void startControllers(ObjectStore objects) {
        controllers.add(NamespaceController.start(objects));
        controllers.add(ServiceAccountsController.start(objects));
        controllers.add(RootCaController.start(objects, caPem));
        controllers.add(TokensController.start(objects, signer, caPem, config.legacyTokenSecrets()));
    }

    @Override
    public void close() {
        for (AutoCloseable c : controllers) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a controller only stops its thread
            }
        }
    }
}
