package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The buffer between requests and a backend: what each mode does when it is full, and how batches are cut. */
class BufferedSinkTest {

    static Event event(String id) {
        return new Event(Level.METADATA, Stage.RESPONSE_COMPLETE, new Event.Origin(id, Instant.now(), "/api", "", List.of()), "get",
                null, null, null, null, null, null, Instant.now(), Map.of(), false);
    }

    /** A backend that records batches; each write waits for a permit while {@code gated}, and fails while {@code failing}. */
    static final class Recording implements BufferedSink.Backend {
        final List<List<String>> batches = new ArrayList<>();
        final Semaphore permits = new Semaphore(0);
        final CountDownLatch writing = new CountDownLatch(1);
        volatile boolean gated;
        volatile boolean failing;

        @Override
        public void write(List<Event> batch) throws IOException {
            writing.countDown();
            if (gated) permits.acquireUninterruptibly();
            if (failing) throw new IOException("disk full (the test)");
            synchronized (batches) {
                batches.add(batch.stream().map(e -> e.origin().auditId()).toList());
            }
        }

        List<String> written() {
            synchronized (batches) {
                return batches.stream().flatMap(List::stream).toList();
            }
        }

        @Override
        public void close() {}
    }

    /** Whether {@code condition} came true within five seconds. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(5);
        }
        return true;
    }

    static Buffering buffering(String mode, int size, int batch, Duration wait) {
        return Buffering.of("log", mode, size, batch, wait);
    }

    @Test
    void inBatchModeAFullBufferDropsTheEventAndTheRequestGoesOn() throws Exception {
        Recording backend = new Recording();
        backend.gated = true;
        BufferedSink sink = new BufferedSink("log", backend, buffering("batch", 2, 1, Duration.ZERO));
        assertThat(sink.process(event("1"))).isTrue();
        assertThat(backend.writing.await(5, TimeUnit.SECONDS)).isTrue();
        for (String id : List.of("2", "3", "4", "5")) assertThat(sink.process(event(id))).isTrue();
        backend.gated = false;
        backend.permits.release(10);
        sink.close();
        assertThat(backend.written()).containsExactly("1", "2", "3");
    }

    @Test
    void inBlockingModeAFullBufferMakesTheRequestWaitForRoom() throws Exception {
        Recording backend = new Recording();
        backend.gated = true;
        BufferedSink sink = new BufferedSink("log", backend, buffering("blocking", 1, 1, Duration.ZERO));
        sink.process(event("1"));
        assertThat(backend.writing.await(5, TimeUnit.SECONDS)).isTrue();
        sink.process(event("2"));
        CompletableFuture<Boolean> third = CompletableFuture.supplyAsync(() -> sink.process(event("3")));
        Thread.sleep(200);
        assertThat(third).isNotDone();
        backend.permits.release(10);
        backend.gated = false;
        assertThat(third.get(5, TimeUnit.SECONDS)).isTrue();
        sink.close();
        assertThat(backend.written()).containsExactly("1", "2", "3");
    }

    @Test
    void inBlockingStrictModeEventsAreRefusedWhileTheBackendFailsAndTakenAgainOnceItWrites() throws Exception {
        Recording backend = new Recording();
        backend.failing = true;
        BufferedSink sink = new BufferedSink("log", backend, buffering("blocking-strict", 10, 1, Duration.ZERO));
        sink.process(event("lost"));
        assertThat(eventually(() -> !sink.process(event("refused")))).as("refused once a write failed").isTrue();
        backend.failing = false;
        assertThat(eventually(() -> sink.process(event("taken")))).as("taken once a write succeeded").isTrue();
        sink.close();
        assertThat(backend.written()).contains("taken").doesNotContain("lost");
    }

    @Test
    void aBatchHoldsAtMostItsSizeAndWaitsAtMostItsWaitToFill() throws Exception {
        Recording backend = new Recording();
        backend.gated = true;
        BufferedSink sink = new BufferedSink("webhook", backend, buffering("batch", 100, 3, Duration.ofMillis(300)));
        for (int i = 0; i < 7; i++) sink.process(event("e" + i));
        backend.gated = false;
        backend.permits.release(100);
        eventually(() -> backend.written().size() == 7);
        assertThat(backend.written()).containsExactly("e0", "e1", "e2", "e3", "e4", "e5", "e6");
        synchronized (backend.batches) {
            assertThat(backend.batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(3));
        }
        // a lone event goes out once the wait is over, not before
        long sent = System.nanoTime();
        sink.process(event("alone"));
        assertThat(eventually(() -> backend.written().contains("alone"))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        sink.close();
    }

    @Test
    void closingWritesWhatIsWaitingAndLaterEventsAreDropped() {
        Recording backend = new Recording();
        BufferedSink sink = new BufferedSink("log", backend, buffering("blocking", 100, 100, Duration.ZERO));
        for (int i = 0; i < 50; i++) sink.process(event("e" + i));
        sink.close();
        assertThat(backend.written()).hasSize(50);
        assertThat(sink.process(event("late"))).isTrue();
        assertThat(backend.written()).hasSize(50);
    }
}
