package io.portcullis.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@code java.nio.file.Path} parameter: a kubeconfig file for the server (the admin's, or
 * with {@link AsUser} or {@link AsServiceAccount} that identity's), for code under test that reads
 * {@code KUBECONFIG} or a kubeconfig path.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD})
public @interface Kubeconfig {
}
