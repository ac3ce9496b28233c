package io.portcullis.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The injected client or kubeconfig authenticates as this user, in these groups (and
 * {@code system:authenticated}), by a client certificate the server's CA issues for the test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD})
public @interface AsUser {
    /** The user name: the certificate's common name. */
    String value();

    /** The groups: the certificate's organizations. */
    String[] groups() default {};
}
