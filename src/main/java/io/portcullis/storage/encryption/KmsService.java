package io.portcullis.storage.encryption;

import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A client of one KMS v2 plugin: its KeyManagementService over gRPC on a unix socket, each call within the timeout. */
final class KmsService implements AutoCloseable {
    record Status(String version, String healthz, String keyId) {}

    record Encrypted(byte[] ciphertext, String keyId, Map<String, byte[]> annotations) {}

    private final String name;
    private final Duration timeout;
    private final EventLoopGroup loop;
    private final ManagedChannel channel;

    KmsService(String name, Path socket, Duration timeout) {
        this.name = name;
        this.timeout = timeout;
        this.loop = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "kms-" + name);
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        this.channel = NettyChannelBuilder.forAddress(UnixDomainSocketAddress.of(socket))
                .channelType(NioDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .overrideAuthority("localhost")
                .usePlaintext()
                .build();
    }

    Status status() throws GeneralSecurityException {
        DynamicMessage r = call(KmsApi.STATUS, KmsApi.message(KmsApi.STATUS_REQUEST).build(), "status");
        return new Status(KmsApi.string(r, "version"), KmsApi.string(r, "healthz"), KmsApi.string(r, "key_id"));
    }

    Encrypted encrypt(String uid, byte[] plaintext) throws GeneralSecurityException {
        DynamicMessage.Builder request = KmsApi.message(KmsApi.ENCRYPT_REQUEST);
        KmsApi.set(request, "plaintext", plaintext);
        KmsApi.set(request, "uid", uid);
        DynamicMessage r = call(KmsApi.ENCRYPT, request.build(), "encrypt");
        return new Encrypted(KmsApi.bytes(r, "ciphertext"), KmsApi.string(r, "key_id"), KmsApi.annotations(r));
    }

    byte[] decrypt(String uid, byte[] ciphertext, String keyId, Map<String, byte[]> annotations) throws GeneralSecurityException {
        DynamicMessage.Builder request = KmsApi.message(KmsApi.DECRYPT_REQUEST);
        KmsApi.set(request, "ciphertext", ciphertext);
        KmsApi.set(request, "uid", uid);
        KmsApi.set(request, "key_id", keyId);
        KmsApi.setAnnotations(request, annotations);
        return KmsApi.bytes(call(KmsApi.DECRYPT, request.build(), "decrypt"), "plaintext");
    }

    private DynamicMessage call(MethodDescriptor<DynamicMessage, DynamicMessage> method, DynamicMessage request, String what)
            throws GeneralSecurityException {
        try {
            // as upstream: a call waits for the plugin (restarting, say) until its deadline instead of failing fast
            return ClientCalls.blockingUnaryCall(channel, method,
                    CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS), request);
        } catch (StatusRuntimeException e) {
            throw new GeneralSecurityException("kms plugin \"" + name + "\" failed to " + what + ": " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription()));
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
