package io.portcullis.storage.encryption;

import com.google.protobuf.DynamicMessage;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small KMS v2 plugin for tests: the KeyManagementService on a unix socket, its key encryption
 * keys AES-GCM keys held in memory by key ID. Its current key can be rotated, and it can be made
 * unhealthy or stopped and started again on the same socket.
 */
public final class TestKmsPlugin implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path socket;
    private final Map<String, byte[]> keks = new ConcurrentHashMap<>();
    private final AtomicInteger decrypts = new AtomicInteger();
    private final AtomicInteger encrypts = new AtomicInteger();
    private volatile String keyId;
    private volatile String healthz = "ok";
    private EventLoopGroup loop;
    private Server server;

    private TestKmsPlugin(Path socket) {
        this.socket = socket;
    }

    /** Serves on the socket with a first key "key-1". */
    public static TestKmsPlugin start(Path socket) {
        TestKmsPlugin plugin = new TestKmsPlugin(socket);
        plugin.rotate("key-1");
        plugin.serve();
        return plugin;
    }

    /** The endpoint the configuration names it by. */
    public String endpoint() {
        return "unix://" + socket;
    }

    /** Makes a new key current under the ID; earlier keys still decrypt. */
    public void rotate(String id) {
        byte[] kek = new byte[32];
        RANDOM.nextBytes(kek);
        keks.put(id, kek);
        keyId = id;
    }

    public void healthz(String answer) {
        healthz = answer;
    }

    public int decrypts() {
        return decrypts.get();
    }

    public int encrypts() {
        return encrypts.get();
    }

    public synchronized void serve() {
        try {
            Files.deleteIfExists(socket);
            loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            server = NettyServerBuilder.forAddress(UnixDomainSocketAddress.of(socket))
                    .channelType(NioServerDomainSocketChannel.class)
                    .bossEventLoopGroup(loop)
                    .workerEventLoopGroup(loop)
                    .addService(ServerServiceDefinition.builder(KmsApi.SERVICE)
                            .addMethod(unary(KmsApi.STATUS, this::status))
                            .addMethod(unary(KmsApi.ENCRYPT, this::encrypt))
                            .addMethod(unary(KmsApi.DECRYPT, this::decrypt))
                            .build())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops serving; {@link #serve()} starts again with the same keys. */
    public synchronized void stop() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        stop();
    }

    private DynamicMessage status(DynamicMessage request) {
        DynamicMessage.Builder r = KmsApi.message(KmsApi.STATUS_RESPONSE);
        KmsApi.set(r, "version", "v2");
        KmsApi.set(r, "healthz", healthz);
        KmsApi.set(r, "key_id", keyId);
        return r.build();
    }

    private DynamicMessage encrypt(DynamicMessage request) throws GeneralSecurityException {
        encrypts.incrementAndGet();
        String id = keyId;
        DynamicMessage.Builder r = KmsApi.message(KmsApi.ENCRYPT_RESPONSE);
        KmsApi.set(r, "ciphertext", new AesGcm(id, keks.get(id)).encrypt(KmsApi.bytes(request, "plaintext"), new byte[0]));
        KmsApi.set(r, "key_id", id);
        KmsApi.setAnnotations(r, Map.of("plugin.kms.portcullis.io", "test".getBytes()));
        return r.build();
    }

    private DynamicMessage decrypt(DynamicMessage request) throws GeneralSecurityException {
        decrypts.incrementAndGet();
        byte[] kek = keks.get(KmsApi.string(request, "key_id"));
        if (kek == null) throw new GeneralSecurityException("unknown key ID");
        if (!KmsApi.annotations(request).containsKey("plugin.kms.portcullis.io")) throw new GeneralSecurityException("annotations lost");
        DynamicMessage.Builder r = KmsApi.message(KmsApi.DECRYPT_RESPONSE);
        KmsApi.set(r, "plaintext", new AesGcm("", kek).decrypt(KmsApi.bytes(request, "ciphertext"), new byte[0]));
        return r.build();
    }

    private interface Call {
        DynamicMessage answer(DynamicMessage request) throws GeneralSecurityException;
    }

    private static io.grpc.ServerMethodDefinition<DynamicMessage, DynamicMessage> unary(
            MethodDescriptor<DynamicMessage, DynamicMessage> method, Call call) {
        return io.grpc.ServerMethodDefinition.create(method, ServerCalls.asyncUnaryCall((request, response) -> {
            try {
                response.onNext(call.answer(request));
                response.onCompleted();
            } catch (GeneralSecurityException e) {
                response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            }
        }));
    }
}
