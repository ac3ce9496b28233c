package io.portcullis.server;

import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One TLS handshake between two in-memory engines, with the serving key, run while the server
 * starts: the first client's handshake then finds the JDK's handshake, key exchange and signature
 * code loaded and initialised instead of paying for them. Nothing is sent anywhere. Once per JVM.
 */
final class TlsWarmUp {
    /** Once per JVM: a later server finds everything ready already. */
    private static volatile boolean done;

    private TlsWarmUp() {}

    static void handshake(KeyManagerFactory serving) throws Exception {
        if (done) return;
        done = true;
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(serving.getKeyManagers(), null, null);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = clientContext.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        int size = Math.max(server.getSession().getPacketBufferSize(), client.getSession().getPacketBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(size), toClient = ByteBuffer.allocate(size);
        ByteBuffer app = ByteBuffer.allocate(Math.max(server.getSession().getApplicationBufferSize(),
                client.getSession().getApplicationBufferSize()));
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100 && !(done(client) && done(server)); step++) {
            client.wrap(empty, toServer);
            toServer.flip();
            server.unwrap(toServer, app);
            toServer.compact();
            app.clear();
            runTasks(server);
            server.wrap(empty, toClient);
            toClient.flip();
            client.unwrap(toClient, app);
            toClient.compact();
            app.clear();
            runTasks(client);
        }
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus s = e.getHandshakeStatus();
        return s == HandshakeStatus.FINISHED || s == HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void runTasks(SSLEngine e) {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) task.run();
    }
}
