package io.portcullis.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Portcullis API server for the test class: started before its first test, in this JVM, on a
 * temporary data directory, on loopback and a free port; stopped and deleted after its last test.
 * Tests receive it as parameters: {@link PortcullisServer}, a fabric8 {@code KubernetesClient}, an
 * official {@code io.kubernetes.client.openapi.ApiClient}, or a {@link Kubeconfig} {@code Path};
 * the admin by default, a user with {@link AsUser}, a ServiceAccount with {@link AsServiceAccount}.
 * Instance fields of those types that are null are set the same way before each test.
 *
 * <p>The server runs in a class loader of its own: the test's Netty, Vert.x, Jackson, Bouncy Castle
 * or SLF4J versions never meet the server's.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(PortcullisExtension.class)
public @interface Portcullis {
    /**
     * Server flags, as {@code portcullis server} takes them: {@code "--authorization-mode=RBAC,AlwaysDeny"},
     * {@code "--legacy-service-account-token-secrets=true"}, {@code "--token-auth-file=src/test/resources/tokens.csv"}.
     * {@code --data-dir}, {@code --bind-address} and {@code --secure-port} are the extension's.
     */
    String[] flags() default {};

    /**
     * One server for every class of the test run that asks for it with the same flags, instead of
     * one for this class; it is reset when a class starts, and stopped when the run ends.
     */
    boolean shared() default false;

    /**
     * Reset the server after each test ({@link PortcullisServer#reset()}): the next test starts
     * from a fresh cluster. False keeps what a test left for the next.
     */
    boolean reset() default true;
}
