package io.portcullis.cli;

import io.portcullis.admission.Admission;
import io.portcullis.audit.Buffering;
import io.portcullis.pki.Passwords;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.server.StorageMigration;
import io.portcullis.server.TlsPolicy;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A Kubernetes-compatible API server built around Kubernetes' security model.",
        subcommands = {Main.ServerCommand.class, Main.Migrate.class, Main.HashPassword.class, WhoCanCommand.class, AccessMatrixCommand.class,
                LeastPrivilegeCommand.class})
public final class Main implements Callable<Integer> {
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("server")) {
            // the start's path: its flags read without building picocli's model of every command
            ServerCommand server = new ServerCommand();
            if (FlagReader.read(server, List.of(args).subList(1, args.length))) System.exit(server.call());
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"portcullis " + Server.VERSION + " (Kubernetes API 1.32)"};
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Start the API server. The first start creates the data directory, its PKI and admin.kubeconfig.")
    static final class ServerCommand implements Callable<Integer> {
        private static final int EXIT_FATAL = 70;
        /** In-flight requests get this long to finish on SIGTERM; then the process exits regardless. */
        private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);

        @Option(names = "--data-dir", description = "Where the store, PKI and admin.kubeconfig live (default: ${DEFAULT-VALUE}).")
        Path dataDir = Path.of("portcullis-data");
        @Option(names = "--bind-address", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
        String bindAddress = "127.0.0.1";
        @Option(names = "--secure-port", description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
        int securePort = 6443;
        @Option(names = "--tls-san", split = ",", description = "Extra subject alternative names for the serving certificate.")
        List<String> tlsSans = new ArrayList<>();
        @Option(names = "--tls-cert-file", description = "Serving certificate (PEM) instead of the generated one.")
        Path tlsCertFile;
        @Option(names = "--tls-private-key-file", description = "Private key of --tls-cert-file.")
        Path tlsPrivateKeyFile;
        @Option(names = "--tls-min-version", description = "Lowest TLS version offered: VersionTLS12 or VersionTLS13 (default: ${DEFAULT-VALUE}).")
        String tlsMinVersion = TlsPolicy.DEFAULT_MIN_VERSION;
        @Option(names = "--tls-cipher-suites", split = ",", description = "TLS 1.2 cipher suites, kube-apiserver's names "
                + "(default: ECDHE with AES-GCM or ChaCha20-Poly1305; TLS 1.3 suites are always on).")
        List<String> tlsCipherSuites = new ArrayList<>();
        @Option(names = "--max-requests-inflight", description = "Reads (get, list) served at once, shared fairly among users; "
                + "more wait in line or get 429; 0: no limit (default: ${DEFAULT-VALUE}).")
        int maxRequestsInflight = 400;
        @Option(names = "--max-mutating-requests-inflight", description = "Writes served at once, shared fairly among users; "
                + "0: no limit (default: ${DEFAULT-VALUE}).")
        int maxMutatingRequestsInflight = 200;
        @Option(names = "--request-timeout", description = "Longest time a request other than a watch may take before it is "
                + "answered 504; 0: none (default: 1m).")
        String requestTimeout = "1m";
        @Option(names = "--min-request-timeout", description = "Seconds a watch lasts at least when it names no timeoutSeconds; "
                + "it ends at a random time between this and twice this (default: ${DEFAULT-VALUE}).")
        int minRequestTimeout = 1800;
        @Option(names = "--client-ca-file", description = "CA bundle whose client certificates authenticate (CN user, O groups).")
        Path clientCaFile;
        @Option(names = "--token-auth-file", description = "Static bearer tokens: CSV token,user,uid,\"group1,group2\".")
        Path tokenAuthFile;
        @Option(names = "--basic-auth-file", description = "Basic authentication: CSV bcrypt-hash,user,uid,\"group1,group2\".")
        Path basicAuthFile;
        @Option(names = "--anonymous-auth", arity = "1", description = "Requests without credentials are system:anonymous (default: ${DEFAULT-VALUE}).")
        boolean anonymousAuth = true;
        @Option(names = "--oidc-issuer-url", description = "OIDC issuer (https) whose ID tokens authenticate.")
        String oidcIssuerUrl;
        @Option(names = "--oidc-client-id", description = "The audience OIDC tokens must carry.")
        String oidcClientId;
        @Option(names = "--oidc-username-claim", description = "Claim holding the user name (default: sub).")
        String oidcUsernameClaim;
        @Option(names = "--oidc-username-prefix", description = "Prefix for OIDC user names ('-' for none).")
        String oidcUsernamePrefix;
        @Option(names = "--oidc-groups-claim", description = "Claim holding the groups.")
        String oidcGroupsClaim;
        @Option(names = "--oidc-groups-prefix", description = "Prefix for OIDC groups.")
        String oidcGroupsPrefix;
        @Option(names = "--oidc-ca-file", description = "CA bundle for the OIDC issuer's TLS.")
        Path oidcCaFile;
        @Option(names = "--oidc-signing-algs", split = ",", description = "Accepted signing algorithms (default: RS256).")
        List<String> oidcSigningAlgs = new ArrayList<>();
        @Option(names = "--oidc-required-claim", description = "key=value a token must carry; repeatable.")
        List<String> oidcRequiredClaims = new ArrayList<>();
        @Option(names = "--authentication-token-webhook-config-file", description = "kubeconfig of a TokenReview webhook.")
        Path authnWebhookConfig;
        @Option(names = "--authentication-token-webhook-cache-ttl", description = "How long webhook answers are cached (default: 2m).")
        String authnWebhookCacheTtl = "2m";
        @Option(names = "--authorization-mode", split = ",", description = "Authorizers in order: RBAC, AlwaysAllow, AlwaysDeny, Webhook (default: RBAC).")
        List<String> authorizationModes = new ArrayList<>(List.of("RBAC"));
        @Option(names = "--authorization-webhook-config-file", description = "kubeconfig of a SubjectAccessReview webhook.")
        Path authzWebhookConfig;
        @Option(names = "--authorization-webhook-cache-authorized-ttl", description = "Cache for allowed webhook answers (default: 5m).")
        String authzAuthorizedTtl = "5m";
        @Option(names = "--authorization-webhook-cache-unauthorized-ttl", description = "Cache for denied webhook answers (default: 30s).")
        String authzUnauthorizedTtl = "30s";
        @Option(names = "--access-records-interval", description = "How often the requests each subject was authorized and denied "
                + "for are saved to the data directory and, on etcd, shared with the other replicas (default: 1m).")
        String accessRecordsInterval = "1m";
        @Option(names = "--enable-admission-plugins", split = ",", description = "Admission plugins to run besides the default ones "
                + "(NamespaceLifecycle and ServiceAccount, both on by default); they run in kube-apiserver's order whatever this one is. "
                + "kube-apiserver's plugins that have nothing to do here (AlwaysAdmit, and those of kinds not served) are accepted.")
        List<String> enableAdmissionPlugins = new ArrayList<>();
        @Option(names = "--disable-admission-plugins", split = ",", description = "Admission plugins not to run, even if on by default; "
                + "any of kube-apiserver 1.32's.")
        List<String> disableAdmissionPlugins = new ArrayList<>();
        @Option(names = "--service-account-signing-key-file", description = "Private key signing ServiceAccount tokens (default: the generated key).")
        Path saSigningKeyFile;
        @Option(names = "--service-account-key-file", description = "Public keys verifying ServiceAccount tokens; repeatable.")
        List<Path> saKeyFiles = new ArrayList<>();
        @Option(names = "--service-account-issuer", description = "Token issuer; repeatable: the first signs, all are accepted.")
        List<String> saIssuers = new ArrayList<>();
        @Option(names = "--api-audiences", split = ",", description = "Audiences API tokens must carry (default: the issuer).")
        List<String> apiAudiences = new ArrayList<>();
        @Option(names = "--service-account-lookup", arity = "1", description = "Check that a token's ServiceAccount, Secret or Pod still exists (default: ${DEFAULT-VALUE}).")
        boolean saLookup = true;
        @Option(names = "--service-account-max-token-expiration", description = "Cap on TokenRequest durations, e.g. 24h.")
        String saMaxExpiration;
        @Option(names = "--service-account-extend-token-expiration", arity = "1", description = "Extend projected tokens to a year as upstream (default: ${DEFAULT-VALUE}).")
        boolean saExtend = true;
        @Option(names = "--service-account-jwks-uri", description = "jwks_uri published in the issuer's discovery document.")
        String saJwksUri;
        @Option(names = "--legacy-service-account-token-secrets", arity = "1", description = "Give every ServiceAccount a token Secret, as clusters before 1.24 (default: ${DEFAULT-VALUE}).")
        boolean legacyTokenSecrets = false;
        @Option(names = "--encryption-provider-config", description = "EncryptionConfiguration (apiserver.config.k8s.io/v1): "
                + "the providers that encrypt each resource at rest.")
        Path encryptionProviderConfig;
        @Option(names = "--encryption-provider-config-automatic-reload", arity = "0..1", description = "Read --encryption-provider-config "
                + "again when it changes, checked every minute (default: ${DEFAULT-VALUE}).")
        boolean encryptionReload = false;
        @Option(names = "--audit-policy-file", description = "Audit policy (audit.k8s.io/v1 Policy); without it nothing is audited.")
        Path auditPolicyFile;
        @Option(names = "--audit-log-path", description = "Write audit events to this file, one JSON event a line; '-' for standard output.")
        String auditLogPath;
        @Option(names = "--audit-log-maxage", description = "Days to keep rotated audit logs (default: 0, any age).")
        int auditLogMaxAge;
        @Option(names = "--audit-log-maxbackup", description = "How many rotated audit logs to keep (default: 0, all).")
        int auditLogMaxBackup;
        @Option(names = "--audit-log-maxsize", description = "Megabytes an audit log may reach before it is rotated (default: 0, meaning 100).")
        int auditLogMaxSize;
        @Option(names = "--audit-log-mode", description = "When the log's buffer is full: batch drops the event, blocking makes the request wait, "
                + "blocking-strict also fails requests while the log cannot be written (default: ${DEFAULT-VALUE}).")
        String auditLogMode = "blocking";
        @Option(names = "--audit-log-batch-buffer-size", description = "Events the log's buffer holds (default: ${DEFAULT-VALUE}).")
        int auditLogBufferSize = Buffering.DEFAULT_BUFFER_SIZE;
        @Option(names = "--audit-webhook-config-file", description = "kubeconfig of a webhook that receives audit events as EventLists.")
        Path auditWebhookConfig;
        @Option(names = "--audit-webhook-mode", description = "As --audit-log-mode, for the webhook's buffer (default: ${DEFAULT-VALUE}).")
        String auditWebhookMode = "batch";
        @Option(names = "--audit-webhook-batch-buffer-size", description = "Events the webhook's buffer holds (default: ${DEFAULT-VALUE}).")
        int auditWebhookBufferSize = Buffering.DEFAULT_BUFFER_SIZE;
        @Option(names = "--audit-webhook-batch-max-size", description = "Most events in one webhook request (default: ${DEFAULT-VALUE}).")
        int auditWebhookBatchMaxSize = Buffering.webhook().maxBatchSize();
        @Option(names = "--audit-webhook-batch-max-wait", description = "Longest wait for a webhook batch to fill (default: 30s).")
        String auditWebhookBatchMaxWait = "30s";
        @Option(names = "--audit-webhook-initial-backoff", description = "Wait before retrying a failed webhook request, 1.5 times longer each time (default: 10s).")
        String auditWebhookInitialBackoff = "10s";
        @CommandLine.Mixin
        EtcdOptions etcd = new EtcdOptions();
        @Option(names = "--etcd-compaction-interval", description = "How often etcd's history is compacted, shared by every replica; 0 never (default: ${DEFAULT-VALUE}).")
        String etcdCompactionInterval = "5m";
        @Option(names = "--leader-elect", arity = "1", description = "On etcd, run the controllers on one replica at a time, chosen through a Lease (default: ${DEFAULT-VALUE}).")
        boolean leaderElect = true;
        @Option(names = "--leader-elect-lease-duration", description = "How long a replica waits for the controllers' Lease to expire before taking it (default: ${DEFAULT-VALUE}).")
        String leaseDuration = "15s";
        @Option(names = "--leader-elect-renew-deadline", description = "How long the holder keeps trying to renew before it stops its controllers (default: ${DEFAULT-VALUE}).")
        String renewDeadline = "10s";
        @Option(names = "--leader-elect-retry-period", description = "How often a replica tries to take or renew the Lease (default: ${DEFAULT-VALUE}).")
        String retryPeriod = "2s";
        @Option(names = "--identity-lease-duration-seconds", description = "How long a replica's identity Lease lasts unrenewed, in seconds (default: ${DEFAULT-VALUE}).")
        int identityLeaseDurationSeconds = 3600;
        @Option(names = "--identity-lease-renew-interval-seconds", description = "How often a replica renews its identity Lease, in seconds (default: ${DEFAULT-VALUE}).")
        int identityLeaseRenewIntervalSeconds = 10;

        @Override
        public Integer call() throws InterruptedException {
            ServerConfig config;
            try {
                config = config();
            } catch (IllegalArgumentException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 2;
            }
            Server server;
            try {
                server = Server.start(config);
            } catch (IllegalArgumentException | IllegalStateException | java.io.IOException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 1;
            }
            // a JVM that cannot serve any more exits, so that a supervisor can start a fresh one
            server.onFatal(() -> Runtime.getRuntime().halt(EXIT_FATAL));
            // an Error on any thread (a cache's, a store's, an audit writer's) is one the JVM may not serve through
            Thread.setDefaultUncaughtExceptionHandler(server.uncaughtHandler());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("Stopping Portcullis...");
                Thread deadline = new Thread(() -> {
                    try {
                        Thread.sleep(STOP_DEADLINE.toMillis());
                        System.err.println("portcullis: not stopped after " + STOP_DEADLINE.toSeconds() + " s; exiting now");
                        Runtime.getRuntime().halt(EXIT_FATAL);
                    } catch (InterruptedException e) {
                        // stopped in time
                    }
                }, "stop-deadline");
                deadline.setDaemon(true);
                deadline.start();
                server.close();
                deadline.interrupt();
                stopped.countDown();
            }, "shutdown"));
            System.out.println("Portcullis is serving the Kubernetes API at " + server.url());
            System.out.println("Admin kubeconfig: " + server.kubeconfig().toAbsolutePath());
            System.out.println("  export KUBECONFIG=" + server.kubeconfig().toAbsolutePath());
            System.out.flush();
            stopped.await();
            return 0;
        }

        ServerConfig config() {
            if (securePort < 0 || securePort > 65535) throw new IllegalArgumentException("--secure-port " + securePort + ": must be between 0 and 65535");
            if ((tlsCertFile == null) != (tlsPrivateKeyFile == null)) {
                throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file must be given together");
            }
            for (String m : authorizationModes) {
                if (!List.of("RBAC", "AlwaysAllow", "AlwaysDeny", "Webhook").contains(m)) {
                    throw new IllegalArgumentException("--authorization-mode " + m + ": unknown mode (want RBAC, AlwaysAllow, AlwaysDeny or Webhook)");
                }
            }
            if (authorizationModes.contains("Webhook") != (authzWebhookConfig != null)) {
                throw new IllegalArgumentException("--authorization-mode Webhook and --authorization-webhook-config-file must be given together");
            }
            existing("--tls-cert-file", tlsCertFile);
            existing("--tls-private-key-file", tlsPrivateKeyFile);
            existing("--client-ca-file", clientCaFile);
            existing("--token-auth-file", tokenAuthFile);
            existing("--basic-auth-file", basicAuthFile);
            existing("--oidc-ca-file", oidcCaFile);
            existing("--authentication-token-webhook-config-file", authnWebhookConfig);
            existing("--authorization-webhook-config-file", authzWebhookConfig);
            existing("--service-account-signing-key-file", saSigningKeyFile);
            existing("--audit-policy-file", auditPolicyFile);
            existing("--audit-webhook-config-file", auditWebhookConfig);
            for (Path p : saKeyFiles) existing("--service-account-key-file", p);
            existing("--encryption-provider-config", encryptionProviderConfig);
            if (encryptionReload && encryptionProviderConfig == null) {
                throw new IllegalArgumentException("--encryption-provider-config-automatic-reload must be set with --encryption-provider-config");
            }
            TlsPolicy.check(tlsMinVersion, tlsCipherSuites);
            // kube-apiserver's checks and words
            if (maxRequestsInflight < 0) throw new IllegalArgumentException("--max-requests-inflight can not be negative value");
            if (maxMutatingRequestsInflight < 0) {
                throw new IllegalArgumentException("--max-mutating-requests-inflight can not be negative value");
            }
            if (minRequestTimeout < 0) throw new IllegalArgumentException("--min-request-timeout can not be negative value");
            Duration requestTimeoutValue = Durations.parse("--request-timeout", requestTimeout);
            Admission.enabled(enableAdmissionPlugins, disableAdmissionPlugins);
            ServerConfig.Serving defaults = ServerConfig.Serving.defaults();
            ServerConfig.Serving serving = new ServerConfig.Serving(bindAddress, securePort, tlsSans, tlsCertFile, tlsPrivateKeyFile,
                    tlsMinVersion, tlsCipherSuites, defaults.headerTimeout(), defaults.idleTimeout(), requestTimeoutValue,
                    Duration.ofSeconds(minRequestTimeout), maxRequestsInflight, maxMutatingRequestsInflight, defaults.fileCheckInterval());
            ServerConfig.Oidc oidc = oidcIssuerUrl == null ? null : new ServerConfig.Oidc(oidcIssuerUrl, oidcClientId, oidcUsernameClaim,
                    oidcUsernamePrefix, oidcGroupsClaim, oidcGroupsPrefix, oidcCaFile, oidcSigningAlgs, oidcRequiredClaims);
            ServerConfig.Authentication authentication = new ServerConfig.Authentication(clientCaFile, tokenAuthFile, basicAuthFile,
                    anonymousAuth, oidc, authnWebhookConfig, Durations.parse("--authentication-token-webhook-cache-ttl", authnWebhookCacheTtl));
            ServerConfig.Authorization authorization = new ServerConfig.Authorization(authorizationModes, authzWebhookConfig,
                    Durations.parse("--authorization-webhook-cache-authorized-ttl", authzAuthorizedTtl),
                    Durations.parse("--authorization-webhook-cache-unauthorized-ttl", authzUnauthorizedTtl),
                    Durations.parse("--access-records-interval", accessRecordsInterval));
            if (authorization.accessRecordsInterval().isZero()) {
                throw new IllegalArgumentException("--access-records-interval must be greater than zero");
            }
            ServerConfig.ServiceAccounts sa = new ServerConfig.ServiceAccounts(saSigningKeyFile, saKeyFiles, saIssuers, apiAudiences,
                    saLookup, saMaxExpiration == null ? null : Durations.parse("--service-account-max-token-expiration", saMaxExpiration),
                    saExtend, saJwksUri, legacyTokenSecrets);
            ServerConfig.Storage storage = etcd.storage().withCompactionInterval(
                    Durations.parse("--etcd-compaction-interval", etcdCompactionInterval));
            if (!etcd.given() && !etcdCompactionInterval.equals("5m")) {
                throw new IllegalArgumentException("--etcd-compaction-interval needs --etcd-servers");
            }
            return new ServerConfig(dataDir, serving, authentication, authorization,
                    new ServerConfig.Admission(enableAdmissionPlugins, disableAdmissionPlugins), sa, storage, leaderElection(),
                    ServerConfig.Encryption.defaults().withProviderConfig(encryptionProviderConfig, encryptionReload), audit());
        }

        private ServerConfig.Audit audit() {
            notNegative("--audit-log-maxage", auditLogMaxAge);
            notNegative("--audit-log-maxbackup", auditLogMaxBackup);
            notNegative("--audit-log-maxsize", auditLogMaxSize);
            Buffering log = Buffering.of("log", auditLogMode, auditLogBufferSize, auditLogBufferSize, Duration.ZERO);
            Buffering webhook = Buffering.of("webhook", auditWebhookMode, auditWebhookBufferSize, auditWebhookBatchMaxSize,
                    Durations.parse("--audit-webhook-batch-max-wait", auditWebhookBatchMaxWait));
            return new ServerConfig.Audit(auditPolicyFile, auditLogPath, auditLogMaxAge, auditLogMaxBackup, auditLogMaxSize, log,
                    auditWebhookConfig, Durations.parse("--audit-webhook-initial-backoff", auditWebhookInitialBackoff), webhook);
        }

        private static void notNegative(String flag, int value) {
            if (value < 0) throw new IllegalArgumentException(flag + " " + value + " can't be a negative number");
        }

        /** As kube-controller-manager checks them: the lease outlasts the renew deadline, which outlasts a retry with jitter. */
        ServerConfig.LeaderElection leaderElection() {
            Duration lease = Durations.parse("--leader-elect-lease-duration", leaseDuration);
            Duration renew = Durations.parse("--leader-elect-renew-deadline", renewDeadline);
            Duration retry = Durations.parse("--leader-elect-retry-period", retryPeriod);
            if (leaderElect) {
                if (lease.compareTo(renew) <= 0) {
                    throw new IllegalArgumentException("--leader-elect-lease-duration " + leaseDuration
                            + " must be greater than --leader-elect-renew-deadline " + renewDeadline);
                }
                if (renew.toMillis() <= retry.toMillis() * 1.2) {
                    throw new IllegalArgumentException("--leader-elect-renew-deadline " + renewDeadline
                            + " must be greater than --leader-elect-retry-period " + retryPeriod + " times 1.2");
                }
                if (retry.isZero()) throw new IllegalArgumentException("--leader-elect-retry-period must be greater than zero");
            }
            positive("--identity-lease-duration-seconds", identityLeaseDurationSeconds);
            positive("--identity-lease-renew-interval-seconds", identityLeaseRenewIntervalSeconds);
            return new ServerConfig.LeaderElection(leaderElect, lease, renew, retry,
                    Duration.ofSeconds(identityLeaseDurationSeconds), Duration.ofSeconds(identityLeaseRenewIntervalSeconds));
        }

        /** kube-apiserver's words for a flag that must be above zero. */
        private static void positive(String flag, int value) {
            if (value <= 0) throw new IllegalArgumentException(flag + " should be a positive number, but value '" + value + "' provided");
        }

        static void existing(String flag, Path p) {
            if (p != null && !Files.isReadable(p)) throw new IllegalArgumentException(flag + " " + p + ": no such readable file");
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Copy every object of a stopped server's SQLite store into an empty etcd prefix; then start "
                    + "'portcullis server' with the same --data-dir and etcd flags to serve the same cluster from etcd.")
    static final class Migrate implements Callable<Integer> {
        @Option(names = "--data-dir", description = "The data directory whose store.db is copied; its pki stays in use (default: ${DEFAULT-VALUE}).")
        Path dataDir = Path.of("portcullis-data");
        @CommandLine.Mixin
        EtcdOptions etcd = new EtcdOptions();

        @Override
        public Integer call() {
            ServerConfig.Storage target;
            try {
                if (!etcd.given()) throw new IllegalArgumentException("--etcd-servers is required");
                target = etcd.storage();
            } catch (IllegalArgumentException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 2;
            }
            try {
                long copied = StorageMigration.toEtcd(dataDir, target, System.out);
                System.out.println("Copied " + copied + " objects from " + dataDir.resolve("store.db") + " to etcd at " + target.etcdServers()
                        + " under " + target.etcdPrefix() + ".");
                System.out.println("Start the server with: portcullis server --data-dir " + dataDir + " " + etcd.flags());
                return 0;
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println("portcullis: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "hash-password", mixinStandardHelpOptions = true,
            description = "Read a password from standard input and print its bcrypt hash, for --basic-auth-file.")
    static final class HashPassword implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            char[] password;
            Console console = System.console();
            if (console != null) {
                password = console.readPassword("Password: ");
            } else {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                password = line == null ? new char[0] : line.toCharArray();
            }
            if (password == null || password.length == 0) {
                System.err.println("portcullis: an empty password cannot be hashed");
                return 2;
            }
            System.out.println(Passwords.hash(password));
            java.util.Arrays.fill(password, '\0');
            return 0;
        }
    }

    /** kube-apiserver's etcd flags, shared by server and migrate. */
    static final class EtcdOptions {
        @Option(names = "--etcd-servers", split = ",", description = "etcd client URLs (http:// or https://); when given, etcd replaces SQLite.")
        List<String> servers = new ArrayList<>();
        @Option(names = "--etcd-cafile", description = "CA bundle (PEM) verifying etcd's serving certificates.")
        Path caFile;
        @Option(names = "--etcd-certfile", description = "Client certificate (PEM) presented to etcd.")
        Path certFile;
        @Option(names = "--etcd-keyfile", description = "Private key (PEM) of --etcd-certfile.")
        Path keyFile;
        @Option(names = "--etcd-prefix", description = "Prefix of every key in etcd (default: ${DEFAULT-VALUE}).")
        String prefix = "/registry";

        boolean given() {
            return !servers.isEmpty();
        }

        /** These options as a command line gives them, for a hint to repeat them. */
        String flags() {
            StringBuilder out = new StringBuilder("--etcd-servers " + String.join(",", servers));
            if (!prefix.equals("/registry")) out.append(" --etcd-prefix ").append(prefix);
            if (caFile != null) out.append(" --etcd-cafile ").append(caFile);
            if (certFile != null) out.append(" --etcd-certfile ").append(certFile).append(" --etcd-keyfile ").append(keyFile);
            return out.toString();
        }

        ServerConfig.Storage storage() {
            if (!given() && (caFile != null || certFile != null || keyFile != null)) {
                throw new IllegalArgumentException("--etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers");
            }
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile must be given together");
            }
            ServerCommand.existing("--etcd-cafile", caFile);
            ServerCommand.existing("--etcd-certfile", certFile);
            ServerCommand.existing("--etcd-keyfile", keyFile);
            ServerConfig.Storage defaults = ServerConfig.Storage.defaults();
            if (!given()) return defaults;
            return defaults.withEtcd(String.join(",", servers), prefix).withEtcdTls(caFile, certFile, keyFile);
        }
    }

    /** Go-style durations as kube-apiserver's flags take them: 30s, 2m, 1h30m, 500ms, and 0. */
    static final class Durations {
        static Duration parse(String flag, String value) {
            if (value.equals("0")) return Duration.ZERO;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value);
            int at = 0;
            Duration d = Duration.ZERO;
            while (m.find() && m.start() == at) {
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
                at = m.end();
            }
            if (at != value.length() || value.isEmpty()) {
                throw new IllegalArgumentException(flag + " " + value + ": not a duration (for example 30s, 2m, 1h30m)");
            }
            return d;
        }
    }
}
