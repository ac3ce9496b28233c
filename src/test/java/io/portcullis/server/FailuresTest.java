package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which failures the JVM is judged unable to serve through: then the fatal action runs, with which
 * the command line halts (exit 70) so that a supervisor starts a fresh process. The halt itself is
 * the command line's and is not run here.
 */
class FailuresTest {
    private final Failures failures = new Failures();
    private final AtomicInteger fatal = new AtomicInteger();

    @BeforeEach
    void fatalCounts() {
        failures.onFatal(fatal::incrementAndGet);
    }

    @Test
    void anErrorOutsideAnyRequestIsFatal() {
        failures.outsideRequest(new OutOfMemoryError("Java heap space (thrown by the test)"));
        assertThat(failures.failed()).isTrue();
        assertThat(fatal.get()).isEqualTo(1);
    }

    @Test
    void anExceptionOrAStackOverflowOutsideAnyRequestIsLoggedOnly() {
        failures.outsideRequest(new IllegalStateException("thrown by the test"));
        failures.outsideRequest(new StackOverflowError());
        assertThat(failures.failed()).isFalse();
        assertThat(fatal.get()).isZero();
    }

    @Test
    void anOutOfMemoryErrorInARequestWhoseHeapRecoveredIsNotFatal() {
        failures.inRequest(new OutOfMemoryError("Java heap space (thrown by the test)"));
        assertThat(failures.failed()).isFalse();
        failures.inRequest(new InternalError("broken by the test"));
        assertThat(failures.failed()).isTrue();
        assertThat(fatal.get()).isEqualTo(1);
    }

    @Test
    void aThreadThatDiesOfAnErrorRunsTheFatalAction() throws Exception {
        Thread dying = new Thread(() -> {
            throw new OutOfMemoryError("Java heap space (thrown by the test)");
        }, "dies-of-an-error");
        dying.setUncaughtExceptionHandler(failures.uncaughtHandler());
        dying.start();
        dying.join(10_000);
        assertThat(fatal.get()).isEqualTo(1);

        Thread failing = new Thread(() -> {
            throw new IllegalStateException("thrown by the test");
        }, "dies-of-an-exception");
        failing.setUncaughtExceptionHandler(failures.uncaughtHandler());
        failing.start();
        failing.join(10_000);
        assertThat(fatal.get()).as("an exception is no reason to exit").isEqualTo(1);
    }
}
