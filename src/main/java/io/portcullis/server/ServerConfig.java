package io.portcullis.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the server is started with: kube-apiserver's flags, already parsed and checked for form. */
public record ServerConfig(
        Path dataDir,
        String bindAddress,
        int securePort,
        List<String> tlsSans,
        Path tlsCertFile,
        Path tlsPrivateKeyFile,
        Path clientCaFile,
        Path tokenAuthFile,
        Path basicAuthFile,
        boolean anonymousAuth,
        Oidc oidc,
        Path authenticationTokenWebhookConfigFile,
        Duration authenticationTokenWebhookCacheTtl,
        List<String> authorizationModes,
        Path authorizationWebhookConfigFile,
        Duration authorizationWebhookCacheAuthorizedTtl,
        Duration authorizationWebhookCacheUnauthorizedTtl,
        ServiceAccounts serviceAccounts) {

    /** The --oidc-* flags; issuerUrl null when OIDC is off. */
    public record Oidc(String issuerUrl, String clientId, String usernameClaim, String usernamePrefix, String groupsClaim,
                       String groupsPrefix, Path caFile, List<String> signingAlgs, List<String> requiredClaims) {}

    /** The --service-account-* flags. Empty lists and null paths mean the defaults. */
    public record ServiceAccounts(Path signingKeyFile, List<Path> keyFiles, List<String> issuers, List<String> apiAudiences,
                                  boolean lookup, Duration maxTokenExpiration, boolean extendTokenExpiration, String jwksUri,
                                  boolean legacyTokenSecrets) {
        public static ServiceAccounts defaults() {
            return new ServiceAccounts(null, List.of(), List.of(), List.of(), true, null, true, null, false);
        }
    }

    /** Defaults for an embedded server: the data directory given, loopback, a free port. */
    public static ServerConfig embedded(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", 0, List.of(), null, null, null, null, null, true,
                null, null, Duration.ofMinutes(2), List.of("RBAC"), null, Duration.ofMinutes(5), Duration.ofSeconds(30),
                ServiceAccounts.defaults());
    }

    public ServerConfig withPort(int port) {
        return new ServerConfig(dataDir, bindAddress, port, tlsSans, tlsCertFile, tlsPrivateKeyFile, clientCaFile, tokenAuthFile,
                basicAuthFile, anonymousAuth, oidc, authenticationTokenWebhookConfigFile, authenticationTokenWebhookCacheTtl,
                authorizationModes, authorizationWebhookConfigFile, authorizationWebhookCacheAuthorizedTtl,
                authorizationWebhookCacheUnauthorizedTtl, serviceAccounts);
    }
}
