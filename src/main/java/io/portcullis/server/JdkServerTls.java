package io.portcullis.server;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Vert.x's JDK TLS engine, whose server contexts Netty wraps around a JDK {@link SSLContext} built
 * here. Netty's own server context checks once per JVM what the JDK supports with a key of its
 * own, read through Bouncy Castle's PEM parser and provider whenever they are on the class path:
 * about 600 classes from a signed jar that cannot be class-data shared, for a key the server never
 * uses (it hands Netty key managers). Listeners only: a client context is refused.
 */
final class JdkServerTls extends JdkSSLEngineOptions {
    JdkServerTls() {}

    private JdkServerTls(JdkServerTls other) {
        super(other);
    }

    @Override
    public JdkServerTls copy() {
        return new JdkServerTls(this);
    }

    @Override
    public SslContextFactory sslContextFactory() {
        return new Factory();
    }

    private static final class Factory implements SslContextFactory {
        private ClientAuth clientAuth;
        private boolean forClient;
        private boolean useAlpn;
        private List<String> applicationProtocols = List.of();
        private Set<String> protocols;
        private Set<String> cipherSuites;
        private KeyManagerFactory keyManagers;
        private TrustManagerFactory trustManagers;

        @Override public SslContextFactory useAlpn(boolean useAlpn) { this.useAlpn = useAlpn; return this; }
        @Override public SslContextFactory forServer(ClientAuth clientAuth) { this.clientAuth = clientAuth; return this; }
        @Override public SslContextFactory forClient(javax.net.ssl.SNIServerName name, String algorithm) { forClient = true; return this; }
        @Override public SslContextFactory enabledProtocols(Set<String> protocols) { this.protocols = protocols; return this; }
        @Override public SslContextFactory enabledCipherSuites(Set<String> suites) { this.cipherSuites = suites; return this; }
        @Override public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) { this.keyManagers = kmf; return this; }
        @Override public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) { this.trustManagers = tmf; return this; }

        @Override
        public SslContextFactory applicationProtocols(List<String> protocols) {
            this.applicationProtocols = protocols == null ? List.of() : protocols;
            return this;
        }

        @Override
        public SslContext create() throws SSLException {
            if (forClient || keyManagers == null) throw new IllegalStateException("a server context needs key managers and no client settings");
            SSLContext context;
            try {
                context = SSLContext.getInstance("TLS");
                context.init(keyManagers.getKeyManagers(), trustManagers == null ? null : trustManagers.getTrustManagers(), null);
            } catch (GeneralSecurityException e) {
                throw new SSLException("cannot build the listener's TLS context: " + e.getMessage(), e);
            }
            // as Vert.x asks Netty for the JDK engine: a client that offers no protocol of ours is refused
            ApplicationProtocolConfig alpn = useAlpn && !applicationProtocols.isEmpty()
                    ? new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT, applicationProtocols)
                    : ApplicationProtocolConfig.DISABLED;
            return new JdkSslContext(context, false, cipherSuites == null || cipherSuites.isEmpty() ? null : cipherSuites,
                    IdentityCipherSuiteFilter.INSTANCE, alpn, clientAuth == null ? ClientAuth.NONE : clientAuth,
                    protocols == null ? null : protocols.toArray(String[]::new), false);
        }
    }
}
