package io.portcullis.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class that starts a server, runs kubectl or starts etcd: tagged {@value #TAG}, which the
 * fast run leaves out ({@code mvn -B test -DexcludedGroups=e2e}). {@link TestServer} refuses to
 * start in a class without it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("e2e")
public @interface EndToEnd {
    String TAG = "e2e";
}
