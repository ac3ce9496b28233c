package io.portcullis.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The injected client or kubeconfig authenticates as this ServiceAccount, {@code "namespace/name"},
 * with a token from a TokenRequest; the namespace and the ServiceAccount are created when missing.
 * What it may do is what RBAC grants {@code system:serviceaccount:<namespace>:<name>}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD})
public @interface AsServiceAccount {
    /** {@code "namespace/name"}. */
    String value();
}
