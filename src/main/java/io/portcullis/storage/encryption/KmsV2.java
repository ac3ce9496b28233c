package io.portcullis.storage.encryption;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kms} with {@code apiVersion: v2}: envelope encryption through a KMS plugin, as upstream's
 * KMS v2. The server makes one random 32-byte seed, has the plugin encrypt it once, and writes every
 * value with a key derived from that seed and 32 random bytes (HKDF-SHA256), under AES-GCM with the
 * storage key authenticated. A value is stored as the EncryptedObject protobuf: the data (the 32
 * bytes, the nonce, the ciphertext), the plugin's key ID and annotations, and the encrypted seed.
 * Reads ask the plugin to decrypt a seed once and keep it.
 *
 * <p>The plugin's Status is polled every minute (every 10 s while it fails). A new key ID from
 * Status makes a new seed; a failing plugin leaves the current seed usable for writes for three
 * minutes after the last good Status, then writes fail until it recovers. Reads of seeds already
 * decrypted never need the plugin.
 */
final class KmsV2 implements Transformer, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KmsV2.class);
    static final Duration HEALTHY_INTERVAL = Duration.ofMinutes(1);
    static final Duration UNHEALTHY_INTERVAL = Duration.ofSeconds(10);
    static final Duration WRITE_SEED_TTL = Duration.ofMinutes(3);
    private static final int SEED = 32;
    private static final int INFO = 32;
    private static final int MAX_KEY_ID = 1024;
    private static final int MAX_ENCRYPTED_SEED = 1024;
    private static final int MAX_ANNOTATIONS = 32 * 1024;
    private static final Pattern FQDN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The seed writes use, and what is stored with each value written with it. */
    private record WriteSeed(byte[] seed, byte[] encryptedSeed, String keyId, Map<String, byte[]> annotations, long expiresAtNanos) {
        WriteSeed extended(long until) {
            return new WriteSeed(seed, encryptedSeed, keyId, annotations, until);
        }
    }

    private final String name;
    private final KmsService service;
    private final Duration healthyInterval;
    private final Duration unhealthyInterval;
    private final ScheduledExecutorService poller;
    private final Cache<ByteString, byte[]> readSeeds = Caffeine.newBuilder().maximumSize(1_000).build();
    private volatile WriteSeed writeSeed;
    private volatile String failure = "not checked yet";

    KmsV2(String name, KmsService service, Duration healthyInterval, Duration unhealthyInterval) {
        this.name = name;
        this.service = service;
        this.healthyInterval = healthyInterval;
        this.unhealthyInterval = unhealthyInterval;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kms-status-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects to the plugin, checks it once (a failure is logged, not thrown) and keeps polling it. */
    static KmsV2 start(String name, Path socket, Duration timeout) {
        KmsV2 kms = new KmsV2(name, new KmsService(name, socket, timeout), HEALTHY_INTERVAL, UNHEALTHY_INTERVAL);
        kms.poll();
        return kms;
    }

    /** Checks the plugin now, then again after the interval its health calls for. */
    void poll() {
        boolean ok = check();
        try {
            poller.schedule(this::poll, (ok ? healthyInterval : unhealthyInterval).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile
        }
    }

    /**
     * One Status call: the plugin must say healthz "ok", version v2 (or v2beta1) and a valid key ID;
     * a key ID other than the write seed's makes a new seed, encrypted by the plugin under that key.
     */
    synchronized boolean check() {
        try {
            KmsService.Status status = service.status();
            if (!"ok".equals(status.healthz())) throw new GeneralSecurityException("got unexpected healthz status: " + status.healthz());
            if (!"v2".equals(status.version()) && !"v2beta1".equals(status.version())) {
                throw new GeneralSecurityException("expected KMS v2 API version v2, got " + status.version());
            }
            validateKeyId(status.keyId());
            long until = System.nanoTime() + WRITE_SEED_TTL.toNanos();
            WriteSeed current = writeSeed;
            if (current != null && current.keyId().equals(status.keyId())) {
                writeSeed = current.extended(until);
            } else {
                byte[] seed = new byte[SEED];
                RANDOM.nextBytes(seed);
                KmsService.Encrypted e = service.encrypt(UUID.randomUUID().toString(), seed);
                validate(e.ciphertext(), e.keyId(), e.annotations());
                if (!e.keyId().equals(status.keyId())) {
                    throw new GeneralSecurityException("the plugin encrypted with key ID other than the one its status gives");
                }
                readSeeds.put(ByteString.copyFrom(e.ciphertext()), seed);
                writeSeed = new WriteSeed(seed, e.ciphertext(), e.keyId(), e.annotations(), until);
                if (current != null) LOG.info("kms provider {}: the plugin's key ID changed; new values use a new seed", name);
            }
            if (failure != null) LOG.info("kms provider {} is healthy", name);
            failure = null;
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            if (!why.equals(failure)) LOG.warn("kms provider {} is not healthy: {}", name, why);
            failure = why;
            return false;
        }
    }

    /** True when the last Status was good and writes have a seed. */
    boolean healthy() {
        return failure == null && writeSeed != null;
    }

    @Override
    public String prefix() {
        return "k8s:enc:kms:v2:" + name + ":";
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] context) throws GeneralSecurityException {
        WriteSeed w = writeSeed;
        if (w == null || System.nanoTime() - w.expiresAtNanos() > 0) {
            throw new GeneralSecurityException("kms provider \"" + name + "\" has no current key to write with: " + failure);
        }
        byte[] info = new byte[INFO];
        RANDOM.nextBytes(info);
        byte[] sealed = new AesGcm(name, derive(w.seed(), info)).encrypt(plaintext, context);
        byte[] data = Arrays.copyOf(info, INFO + sealed.length);
        System.arraycopy(sealed, 0, data, INFO, sealed.length);
        DynamicMessage.Builder o = KmsApi.message(KmsApi.ENCRYPTED_OBJECT);
        KmsApi.set(o, "encryptedData", data);
        KmsApi.set(o, "keyID", w.keyId());
        KmsApi.set(o, "encryptedDEKSource", w.encryptedSeed());
        KmsApi.set(o, "encryptedDEKSourceType", KmsApi.HKDF_SHA256_XNONCE_AES_GCM_SEED);
        KmsApi.setAnnotations(o, w.annotations());
        return o.build().toByteArray();
    }

    @Override
    public byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException {
        DynamicMessage o;
        try {
            o = DynamicMessage.parseFrom(KmsApi.ENCRYPTED_OBJECT, stored);
        } catch (InvalidProtocolBufferException e) {
            throw new GeneralSecurityException("the stored data is not an encrypted object");
        }
        byte[] data = KmsApi.bytes(o, "encryptedData");
        byte[] encryptedSource = KmsApi.bytes(o, "encryptedDEKSource");
        String keyId = KmsApi.string(o, "keyID");
        Map<String, byte[]> annotations = KmsApi.annotations(o);
        if (data.length == 0) throw new GeneralSecurityException("encrypted data is empty");
        validate(encryptedSource, keyId, annotations);
        int type = KmsApi.enumNumber(o, "encryptedDEKSourceType");
        if (type != KmsApi.AES_GCM_KEY && type != KmsApi.HKDF_SHA256_XNONCE_AES_GCM_SEED) {
            throw new GeneralSecurityException("unknown encryptedDEKSourceType " + type);
        }
        ByteString cacheKey = ByteString.copyFrom(encryptedSource);
        byte[] source = readSeeds.getIfPresent(cacheKey);
        if (source == null) {
            source = service.decrypt(UUID.randomUUID().toString(), encryptedSource, keyId, annotations);
            if (type == KmsApi.AES_GCM_KEY ? source.length != 32 : source.length < SEED) {
                throw new GeneralSecurityException("the plugin decrypted a key of " + source.length + " bytes");
            }
            readSeeds.put(cacheKey, source);
        }
        if (type == KmsApi.AES_GCM_KEY) return new AesGcm(name, source).decrypt(data, context);
        if (data.length < INFO) throw new GeneralSecurityException("the stored data is shorter than the required size");
        return new AesGcm(name, derive(source, Arrays.copyOf(data, INFO))).decrypt(data, INFO, context);
    }

    /** As upstream: a value whose key ID is not the plugin's current one is stale. */
    @Override
    public boolean stale(byte[] stored) {
        WriteSeed w = writeSeed;
        try {
            return w == null || !KmsApi.string(DynamicMessage.parseFrom(KmsApi.ENCRYPTED_OBJECT, stored), "keyID").equals(w.keyId());
        } catch (InvalidProtocolBufferException e) {
            return true;
        }
    }

    /** The 32-byte key HKDF-SHA256 expands from the seed and the value's info (no extract step, as upstream). */
    private static byte[] derive(byte[] seed, byte[] info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(HKDFParameters.skipExtractParameters(seed, info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    private static void validate(byte[] encryptedSeed, String keyId, Map<String, byte[]> annotations) throws GeneralSecurityException {
        if (encryptedSeed.length == 0) throw new GeneralSecurityException("encrypted DEK source is empty");
        if (encryptedSeed.length > MAX_ENCRYPTED_SEED) {
            throw new GeneralSecurityException("encrypted DEK source is " + encryptedSeed.length + " bytes, more than " + MAX_ENCRYPTED_SEED);
        }
        validateKeyId(keyId);
        long size = 0;
        for (Map.Entry<String, byte[]> a : annotations.entrySet()) {
            if (!FQDN.matcher(a.getKey()).matches() || a.getKey().length() > 253) {
                throw new GeneralSecurityException("annotation key " + a.getKey() + " is not a fully qualified domain name");
            }
            size += a.getKey().length() + a.getValue().length;
        }
        if (size > MAX_ANNOTATIONS) throw new GeneralSecurityException("annotations take " + size + " bytes, more than " + MAX_ANNOTATIONS);
    }

    private static void validateKeyId(String keyId) throws GeneralSecurityException {
        if (keyId.isEmpty()) throw new GeneralSecurityException("key ID is empty");
        int length = keyId.getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_KEY_ID) throw new GeneralSecurityException("key ID is " + length + " bytes, more than " + MAX_KEY_ID);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        service.close();
    }

    @Override
    public String toString() {
        return "kms provider \"" + name + "\"";
    }
}
