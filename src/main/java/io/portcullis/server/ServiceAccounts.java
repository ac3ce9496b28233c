package io.portcullis.server;

import io.portcullis.admission.ServiceAccountAdmission;
import io.portcullis.api.ResourceType;
import io.portcullis.authn.CachedTokenAuthenticator;
import io.portcullis.authn.ServiceAccountTokenAuthenticator;
import io.portcullis.authn.TokenAuthenticator;
import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.Keys;
import io.portcullis.registry.SubresourceHandler;
import io.portcullis.registry.TokenRequests;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import io.portcullis.tokens.Jwks;
import io.portcullis.tokens.ServiceAccountKeys;
import io.portcullis.tokens.TokenSigner;
import io.portcullis.tokens.TokenVerifier;
import io.vertx.core.Context;
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
import tools.jackson.databind.JsonNode;

/**
 * Everything ServiceAccounts add to a server, built from the --service-account-* flags: the
 * token signer and verifier, the token authenticator (lookups from the watch cache) and its
 * revocation on change, TokenRequest, pod admission and the issuer discovery documents.
 */
public final class ServiceAccounts {
    /** kube-apiserver requires --service-account-issuer; this is the issuer kubeadm and k3s configure. */
    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final Duration FRESH = Duration.ofSeconds(5);

    private final ServerConfig.ServiceAccounts config;
    private final List<String> issuers;
    private final List<String> apiAudiences;
    private final List<PublicKey> verifyingKeys;
    private final TokenSigner signer;
    private final TokenVerifier verifier;

    private ServiceAccounts(ServerConfig.ServiceAccounts config, List<String> issuers, List<String> apiAudiences,
                            List<PublicKey> verifyingKeys, TokenSigner signer) {
        this.config = config;
        this.issuers = List.copyOf(issuers);
        this.apiAudiences = List.copyOf(apiAudiences);
        this.verifyingKeys = List.copyOf(verifyingKeys);
        this.signer = signer;
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
        return new ServiceAccounts(c, issuers, audiences, keys, signer);
    }

    public TokenSigner signer() {
        return signer;
    }

    public List<String> apiAudiences() {
        return apiAudiences;
    }

    /** The pod admission plugin, reading ServiceAccounts from the watch cache as of the newest write. */
    public static ServiceAccountAdmission admission(WatchCache cache, List<ResourceType> served) {
        ResourceType serviceAccounts = core(served, "serviceaccounts");
        return new ServiceAccountAdmission((ns, name) -> cache.getFresh(serviceAccounts.key(ns, name), FRESH).map(i -> (JsonNode) i.object()));
    }

    /** The uncached token authenticator, its lookups served by the watch cache. */
    public TokenAuthenticator authenticator(WatchCache cache, List<ResourceType> served) {
        return new ServiceAccountTokenAuthenticator(verifier, config.lookup(), lookup(cache, core(served, "serviceaccounts")),
                lookup(cache, core(served, "secrets")), lookup(cache, core(served, "pods")));
    }

    /**
     * A cache lookup that, as upstream's listers fall back to a live read, waits on a miss for the
     * cache to hold every acknowledged write and looks again. On an event loop it does not wait: a
     * miss the cache cannot answer at once sends the request to a worker ({@link Pipeline.NeedsWorker}).
     */
    private static ServiceAccountTokenAuthenticator.Lookup lookup(WatchCache cache, ResourceType t) {
        return (ns, name) -> {
            String key = t.key(ns, name);
            Optional<Item> it = cache.get(key);
            if (it.isEmpty() && !cache.fresh() && Context.isOnEventLoopThread()) throw new Pipeline.NeedsWorker();
            if (it.isEmpty() && cache.waitFresh(Duration.ofMillis(500))) it = cache.get(key);
            return it.map(i -> (JsonNode) i.object());
        };
    }

    /** Drops cached token results the moment a ServiceAccount, Secret or Pod they depend on changes or goes. */
    public static void revokeOnChange(WatchCache cache, List<ResourceType> served, CachedTokenAuthenticator cached) {
        revoke(cache, core(served, "serviceaccounts"), "serviceaccount", cached);
        revoke(cache, core(served, "secrets"), "secret", cached);
        revoke(cache, core(served, "pods"), "pod", cached);
    }

    private static void revoke(WatchCache cache, ResourceType t, String kind, CachedTokenAuthenticator cached) {
        cache.addListener(t.keyPrefix(), e -> {
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

    private static ResourceType core(List<ResourceType> served, String resource) {
        return served.stream().filter(t -> t.group().isEmpty() && t.resource().equals(resource)).findFirst().orElseThrow();
    }
}
