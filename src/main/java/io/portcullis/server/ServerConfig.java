package io.portcullis.server;

import io.portcullis.audit.Buffering;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the server is started with: kube-apiserver's flags, already parsed and checked for form,
 * grouped by the stage that reads them. A new flag is one field in its group, one option in the
 * command line, and one use; tests change a field with the withers, starting from
 * {@link #embedded(Path)}.
 */
public record ServerConfig(Path dataDir, Serving serving, Authentication authentication, Authorization authorization,
                           Admission admission, ServiceAccounts serviceAccounts, Storage storage, LeaderElection leaderElection,
                           Encryption encryption, Audit audit) {

    /**
     * Where objects live: SQLite in the data directory, or, when --etcd-servers is given
     * (comma-separated URLs), etcd, reached with --etcd-cafile, --etcd-certfile and --etcd-keyfile,
     * its keys under --etcd-prefix, history compacted every --etcd-compaction-interval (zero: never).
     */
    public record Storage(String etcdServers, Path etcdCaFile, Path etcdCertFile, Path etcdKeyFile, String etcdPrefix,
                          Duration compactionInterval) {
        public static Storage defaults() {
            return new Storage(null, null, null, null, "/registry", Duration.ofMinutes(5));
        }

        public boolean etcd() {
            return etcdServers != null && !etcdServers.isBlank();
        }

        public Storage withEtcd(String servers, String prefix) {
            return new Storage(servers, etcdCaFile, etcdCertFile, etcdKeyFile, prefix, compactionInterval);
        }

        public Storage withEtcdTls(Path caFile, Path certFile, Path keyFile) {
            return new Storage(etcdServers, caFile, certFile, keyFile, etcdPrefix, compactionInterval);
        }

        public Storage withCompactionInterval(Duration interval) {
            return new Storage(etcdServers, etcdCaFile, etcdCertFile, etcdKeyFile, etcdPrefix, interval);
        }
    }

    /**
     * Which replica runs the controllers, kube-controller-manager's flags: --leader-elect and the
     * Lease's timings; and kube-apiserver's for each replica's identity Lease: how long it lasts
     * unrenewed and how often it is renewed. Applies to etcd only: SQLite is one process.
     */
    public record LeaderElection(boolean enabled, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
                                 Duration identityLeaseDuration, Duration identityLeaseRenewInterval) {
        public static LeaderElection defaults() {
            return new LeaderElection(true, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2),
                    Duration.ofHours(1), Duration.ofSeconds(10));
        }

        public LeaderElection withTimings(Duration lease, Duration renew, Duration retry) {
            return new LeaderElection(enabled, lease, renew, retry, identityLeaseDuration, identityLeaseRenewInterval);
        }
    }

    /**
     * Where and how HTTPS is served: --bind-address, --secure-port, --tls-san, --tls-cert-file,
     * --tls-private-key-file, --tls-min-version and --tls-cipher-suites (kube-apiserver's names,
     * checked by {@link TlsPolicy}), how long a connection may wait for a request's headers or sit
     * idle between requests, and the request limits: --request-timeout (0: none),
     * --min-request-timeout (watches), --max-requests-inflight and --max-mutating-requests-inflight
     * (0: no limit). {@code fileCheckInterval}: how often the certificate, key, CA, token and
     * password files are checked for changes.
     */
    public record Serving(String bindAddress, int securePort, List<String> tlsSans, Path tlsCertFile, Path tlsPrivateKeyFile,
                          String tlsMinVersion, List<String> tlsCipherSuites, Duration headerTimeout, Duration idleTimeout,
                          Duration requestTimeout, Duration minRequestTimeout, int maxRequestsInflight,
                          int maxMutatingRequestsInflight, Duration fileCheckInterval) {
        public static final Duration FILE_CHECK_INTERVAL = Duration.ofSeconds(10);

        public Serving {
            tlsSans = List.copyOf(tlsSans);
            tlsCipherSuites = List.copyOf(tlsCipherSuites);
        }

        public static Serving defaults() {
            return new Serving("127.0.0.1", 6443, List.of(), null, null, TlsPolicy.DEFAULT_MIN_VERSION, List.of(),
                    Connections.HEADER_TIMEOUT, Connections.IDLE_TIMEOUT, Duration.ofMinutes(1), Duration.ofSeconds(1800), 400, 200,
                    FILE_CHECK_INTERVAL);
        }

        public Serving withSecurePort(int port) {
            return new Serving(bindAddress, port, tlsSans, tlsCertFile, tlsPrivateKeyFile, tlsMinVersion, tlsCipherSuites,
                    headerTimeout, idleTimeout, requestTimeout, minRequestTimeout, maxRequestsInflight, maxMutatingRequestsInflight,
                    fileCheckInterval);
        }

        public Serving withTls(String minVersion, List<String> cipherSuites) {
            return new Serving(bindAddress, securePort, tlsSans, tlsCertFile, tlsPrivateKeyFile, minVersion, cipherSuites,
                    headerTimeout, idleTimeout, requestTimeout, minRequestTimeout, maxRequestsInflight, maxMutatingRequestsInflight,
                    fileCheckInterval);
        }

        public Serving withCertificate(Path certFile, Path keyFile) {
            return new Serving(bindAddress, securePort, tlsSans, certFile, keyFile, tlsMinVersion, tlsCipherSuites,
                    headerTimeout, idleTimeout, requestTimeout, minRequestTimeout, maxRequestsInflight, maxMutatingRequestsInflight,
                    fileCheckInterval);
        }

        public Serving withTimeouts(Duration header, Duration idle, Duration request) {
            return new Serving(bindAddress, securePort, tlsSans, tlsCertFile, tlsPrivateKeyFile, tlsMinVersion, tlsCipherSuites,
                    header, idle, request, minRequestTimeout, maxRequestsInflight, maxMutatingRequestsInflight, fileCheckInterval);
        }

        public Serving withRequestLimits(Duration request, Duration minRequest, int maxInflight, int maxMutatingInflight) {
            return new Serving(bindAddress, securePort, tlsSans, tlsCertFile, tlsPrivateKeyFile, tlsMinVersion, tlsCipherSuites,
                    headerTimeout, idleTimeout, request, minRequest, maxInflight, maxMutatingInflight, fileCheckInterval);
        }

        public Serving withFileCheckInterval(Duration interval) {
            return new Serving(bindAddress, securePort, tlsSans, tlsCertFile, tlsPrivateKeyFile, tlsMinVersion, tlsCipherSuites,
                    headerTimeout, idleTimeout, requestTimeout, minRequestTimeout, maxRequestsInflight, maxMutatingRequestsInflight,
                    interval);
        }
    }

    /**
     * Who is calling: --client-ca-file, --token-auth-file, --basic-auth-file, --anonymous-auth, the
     * --oidc-* flags (null when OIDC is off) and the token webhook's kubeconfig and cache TTL.
     */
    public record Authentication(Path clientCaFile, Path tokenAuthFile, Path basicAuthFile, boolean anonymous, Oidc oidc,
                                 Path webhookConfigFile, Duration webhookCacheTtl) {
        public static Authentication defaults() {
            return new Authentication(null, null, null, true, null, null, Duration.ofMinutes(2));
        }

        public Authentication withClientCaFile(Path file) {
            return new Authentication(file, tokenAuthFile, basicAuthFile, anonymous, oidc, webhookConfigFile, webhookCacheTtl);
        }

        public Authentication withTokenAuthFile(Path file) {
            return new Authentication(clientCaFile, file, basicAuthFile, anonymous, oidc, webhookConfigFile, webhookCacheTtl);
        }

        public Authentication withBasicAuthFile(Path file) {
            return new Authentication(clientCaFile, tokenAuthFile, file, anonymous, oidc, webhookConfigFile, webhookCacheTtl);
        }

        public Authentication withAnonymous(boolean on) {
            return new Authentication(clientCaFile, tokenAuthFile, basicAuthFile, on, oidc, webhookConfigFile, webhookCacheTtl);
        }

        public Authentication withOidc(Oidc o) {
            return new Authentication(clientCaFile, tokenAuthFile, basicAuthFile, anonymous, o, webhookConfigFile, webhookCacheTtl);
        }

        public Authentication withWebhook(Path configFile, Duration cacheTtl) {
            return new Authentication(clientCaFile, tokenAuthFile, basicAuthFile, anonymous, oidc, configFile, cacheTtl);
        }
    }

    /** The --oidc-* flags. */
    public record Oidc(String issuerUrl, String clientId, String usernameClaim, String usernamePrefix, String groupsClaim,
                       String groupsPrefix, Path caFile, List<String> signingAlgs, List<String> requiredClaims) {}

    /**
     * What they may do: --authorization-mode in order, the SubjectAccessReview webhook's kubeconfig and
     * cache TTLs; and how often the access records are saved (and shared, on etcd): --access-records-interval.
     */
    public record Authorization(List<String> modes, Path webhookConfigFile, Duration webhookCacheAuthorizedTtl,
                                Duration webhookCacheUnauthorizedTtl, Duration accessRecordsInterval) {
        public Authorization {
            modes = List.copyOf(modes);
        }

        public static Authorization defaults() {
            return new Authorization(List.of("RBAC"), null, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(1));
        }

        public Authorization withModes(List<String> m) {
            return new Authorization(m, webhookConfigFile, webhookCacheAuthorizedTtl, webhookCacheUnauthorizedTtl, accessRecordsInterval);
        }

        public Authorization withWebhook(Path configFile, Duration authorizedTtl, Duration unauthorizedTtl) {
            return new Authorization(modes, configFile, authorizedTtl, unauthorizedTtl, accessRecordsInterval);
        }

        public Authorization withAccessRecordsInterval(Duration interval) {
            return new Authorization(modes, webhookConfigFile, webhookCacheAuthorizedTtl, webhookCacheUnauthorizedTtl, interval);
        }
    }

    /**
     * Which admission plugins run: --enable-admission-plugins and --disable-admission-plugins, by
     * kube-apiserver's names, on top of its default set; they run in its fixed order whatever these say.
     */
    public record Admission(List<String> enablePlugins, List<String> disablePlugins) {
        public Admission {
            enablePlugins = List.copyOf(enablePlugins);
            disablePlugins = List.copyOf(disablePlugins);
        }

        public static Admission defaults() {
            return new Admission(List.of(), List.of());
        }

        public Admission withDisablePlugins(List<String> names) {
            return new Admission(enablePlugins, names);
        }
    }

    /** The --service-account-* flags. Empty lists and null paths mean the defaults. */
    public record ServiceAccounts(Path signingKeyFile, List<Path> keyFiles, List<String> issuers, List<String> apiAudiences,
                                  boolean lookup, Duration maxTokenExpiration, boolean extendTokenExpiration, String jwksUri,
                                  boolean legacyTokenSecrets) {
        public static ServiceAccounts defaults() {
            return new ServiceAccounts(null, List.of(), List.of(), List.of(), true, null, true, null, false);
        }

        public ServiceAccounts withLegacyTokenSecrets(boolean on) {
            return new ServiceAccounts(signingKeyFile, keyFiles, issuers, apiAudiences, lookup, maxTokenExpiration,
                    extendTokenExpiration, jwksUri, on);
        }

        public ServiceAccounts withMaxTokenExpiration(Duration max, boolean extend) {
            return new ServiceAccounts(signingKeyFile, keyFiles, issuers, apiAudiences, lookup, max, extend, jwksUri,
                    legacyTokenSecrets);
        }
    }

    /**
     * Encryption at rest: --encryption-provider-config (null: none) and
     * --encryption-provider-config-automatic-reload, the file then being read again every
     * {@code reloadInterval} (a minute, as upstream).
     */
    public record Encryption(Path providerConfig, boolean automaticReload, Duration reloadInterval) {
        public static Encryption defaults() {
            return new Encryption(null, false, Duration.ofMinutes(1));
        }

        public Encryption withProviderConfig(Path file, boolean reload) {
            return new Encryption(file, reload, reloadInterval);
        }

        public Encryption withReloadInterval(Duration interval) {
            return new Encryption(providerConfig, automaticReload, interval);
        }
    }

    /**
     * Auditing: --audit-policy-file (null: nothing is audited), --audit-log-path ("-" for standard
     * output; null for no log) with its rotation (--audit-log-maxage in days, --audit-log-maxbackup,
     * --audit-log-maxsize in MB) and buffer (--audit-log-mode, --audit-log-batch-buffer-size), and
     * --audit-webhook-config-file (null for no webhook) with --audit-webhook-initial-backoff and its
     * buffer (--audit-webhook-mode, --audit-webhook-batch-*).
     */
    public record Audit(Path policyFile, String logPath, int logMaxAge, int logMaxBackups, int logMaxSize, Buffering logBuffering,
                        Path webhookConfigFile, Duration webhookInitialBackoff, Buffering webhookBuffering) {
        public static Audit defaults() {
            return new Audit(null, null, 0, 0, 0, Buffering.log(), null, Duration.ofSeconds(10), Buffering.webhook());
        }

        public Audit withPolicyFile(Path file) {
            return new Audit(file, logPath, logMaxAge, logMaxBackups, logMaxSize, logBuffering, webhookConfigFile, webhookInitialBackoff,
                    webhookBuffering);
        }

        public Audit withLog(String path, Buffering buffering) {
            return new Audit(policyFile, path, logMaxAge, logMaxBackups, logMaxSize, buffering, webhookConfigFile, webhookInitialBackoff,
                    webhookBuffering);
        }

        public Audit withWebhook(Path configFile, Buffering buffering) {
            return new Audit(policyFile, logPath, logMaxAge, logMaxBackups, logMaxSize, logBuffering, configFile, webhookInitialBackoff,
                    buffering);
        }
    }

    /** Defaults for an embedded server: the data directory given, loopback, a free port. */
    public static ServerConfig embedded(Path dataDir) {
        return new ServerConfig(dataDir, Serving.defaults().withSecurePort(0), Authentication.defaults(), Authorization.defaults(),
                Admission.defaults(), ServiceAccounts.defaults(), Storage.defaults(), LeaderElection.defaults(),
                Encryption.defaults(), Audit.defaults());
    }

    public ServerConfig withServing(UnaryOperator<Serving> change) {
        return new ServerConfig(dataDir, change.apply(serving), authentication, authorization, admission, serviceAccounts, storage,
                leaderElection, encryption, audit);
    }

    public ServerConfig withAuthentication(UnaryOperator<Authentication> change) {
        return new ServerConfig(dataDir, serving, change.apply(authentication), authorization, admission, serviceAccounts, storage,
                leaderElection, encryption, audit);
    }

    public ServerConfig withAuthorization(UnaryOperator<Authorization> change) {
        return new ServerConfig(dataDir, serving, authentication, change.apply(authorization), admission, serviceAccounts, storage,
                leaderElection, encryption, audit);
    }

    public ServerConfig withAdmission(UnaryOperator<Admission> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, change.apply(admission), serviceAccounts, storage,
                leaderElection, encryption, audit);
    }

    public ServerConfig withServiceAccounts(UnaryOperator<ServiceAccounts> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, admission, change.apply(serviceAccounts), storage,
                leaderElection, encryption, audit);
    }

    public ServerConfig withStorage(UnaryOperator<Storage> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, admission, serviceAccounts, change.apply(storage),
                leaderElection, encryption, audit);
    }

    public ServerConfig withLeaderElection(UnaryOperator<LeaderElection> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, admission, serviceAccounts, storage,
                change.apply(leaderElection), encryption, audit);
    }

    public ServerConfig withEncryption(UnaryOperator<Encryption> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, admission, serviceAccounts, storage, leaderElection,
                change.apply(encryption), audit);
    }

    public ServerConfig withAudit(UnaryOperator<Audit> change) {
        return new ServerConfig(dataDir, serving, authentication, authorization, admission, serviceAccounts, storage, leaderElection,
                encryption, change.apply(audit));
    }

    public ServerConfig withPort(int port) {
        return withServing(s -> s.withSecurePort(port));
    }
}
