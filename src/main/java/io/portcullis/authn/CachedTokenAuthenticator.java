package io.portcullis.authn;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Caches a token plugin's answers. The cache key is HMAC-SHA256(random per-process key,
 * audiences + token): a heap dump never shows a token. A success records what it depends on;
 * {@link #invalidate(String)} drops every entry that depends on a deleted object at once.
 */
public final class CachedTokenAuthenticator implements TokenAuthenticator {
    private final TokenAuthenticator delegate;
    private final Cache<Key, Outcome> cache;
    private final ConcurrentHashMap<String, Set<Key>> dependents = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final ThreadLocal<Mac> mac;

    CachedTokenAuthenticator(TokenAuthenticator delegate, Duration successTtl, Duration failureTtl, long maximumSize, Ticker ticker) {
        if (failureTtl.compareTo(successTtl) > 0) throw new IllegalArgumentException("failure TTL must not exceed success TTL");
        this.delegate = delegate;
        long success = successTtl.toNanos();
        long failure = failureTtl.toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(new Expiry<Key, Outcome>() {
                    @Override public long expireAfterCreate(Key k, Outcome v, long now) { return v.result != null ? success : failure; }
                    @Override public long expireAfterUpdate(Key k, Outcome v, long now, long current) { return expireAfterCreate(k, v, now); }
                    @Override public long expireAfterRead(Key k, Outcome v, long now, long current) { return current; }
                })
                .removalListener((Key k, Outcome v, RemovalCause cause) -> forget(k, v))
                .build();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        SecretKeySpec spec = new SecretKeySpec(secret, "HmacSHA256");
        this.mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(spec);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e);
            }
        });
    }

    @Override
    public Optional<TokenResult> authenticateToken(String token, List<String> audiences) throws AuthenticationException {
        Key key = keyOf(token, audiences);
        Outcome hit = cache.getIfPresent(key);
        if (hit != null) return hit.get();
        long epoch = invalidations.get();
        Outcome outcome;
        try {
            outcome = new Outcome(delegate.authenticateToken(token, audiences).orElse(null), null);
        } catch (AuthenticationException e) {
            outcome = new Outcome(null, e.getMessage());
        }
        if (outcome.result != null) {
            for (String dependency : outcome.result.dependencies()) {
                dependents.computeIfAbsent(dependency, d -> ConcurrentHashMap.newKeySet()).add(key);
            }
        }
        // an object deleted while the delegate was answering may be among this result's dependencies
        if (invalidations.get() == epoch) cache.put(key, outcome);
        return outcome.get();
    }

    /** Drops, at once, every cached success that depends on {@code dependencyKey}. */
    public void invalidate(String dependencyKey) {
        invalidations.incrementAndGet();
        Set<Key> keys = dependents.remove(dependencyKey);
        if (keys != null) cache.invalidateAll(keys);
    }

    /** Drops everything (for example when signing keys rotate). */
    public void invalidateAll() {
        invalidations.incrementAndGet();
        cache.invalidateAll();
        dependents.clear();
    }

    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private void forget(Key key, Outcome outcome) {
        if (key == null || outcome == null || outcome.result == null) return;
        for (String dependency : outcome.result.dependencies()) {
            dependents.computeIfPresent(dependency, (d, keys) -> {
                keys.remove(key);
                return keys.isEmpty() ? null : keys;
            });
        }
    }

    private Key keyOf(String token, List<String> audiences) {
        Mac m = mac.get();
        for (String a : audiences) {
            m.update(a.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
        }
        m.update((byte) 1);
        m.update(token.getBytes(StandardCharsets.UTF_8));
        byte[] d = m.doFinal();
        return new Key(longAt(d, 0), longAt(d, 8), longAt(d, 16), longAt(d, 24));
    }

    private static long longAt(byte[] b, int i) {
        long v = 0;
        for (int j = 0; j < 8; j++) v = (v << 8) | (b[i + j] & 0xff);
        return v;
    }

    private record Key(long a, long b, long c, long d) {}

    private record Outcome(TokenResult result, String error) {
        Optional<TokenResult> get() throws AuthenticationException {
            if (error != null) throw new AuthenticationException(error);
            return Optional.ofNullable(result);
        }
    }
}
