package io.portcullis.storage.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Watch;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.StoreException.Reason;
import io.portcullis.testing.EndToEnd;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** EtcdStore while members of a three-member cluster crash and come back; each test leaves all three running. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@EndToEnd
class EtcdStoreFailoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    static Path dir;
    static EtcdCluster etcd;

    @BeforeAll
    static void startCluster() {
        EtcdCluster.assumeInstalled();
        etcd = EtcdCluster.start(dir, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (etcd != null) etcd.close();
    }

    static EtcdStore connect(String endpoints) {
        return EtcdStore.connect(endpoints, null, EtcdStore.DEFAULT_PREFIX, TIMEOUT, EtcdStore.WATCH_QUEUE_BOUND);
    }

    @Test
    void aWatchSeesEveryEventOnceInOrderWhileEachMemberCrashesAndRestartsInTurn() throws Exception {
        try (EtcdStore writer = connect(etcd.endpoints()); EtcdStore watcher = connect(etcd.endpoints());
             Watch watch = watcher.watch("/registry/pods/", watcher.currentRevision())) {
            List<Long> written = new ArrayList<>();
            int n = 0;
            for (int member = 0; member < 3; member++) {
                for (int i = 0; i < 5; i++) written.add(Eventually.create(writer, "/registry/pods/" + n++).modRevision());
                etcd.kill(member);
                // the watch's stream may be on the member that died: these must reach it all the same
                for (int i = 0; i < 5; i++) written.add(Eventually.create(writer, "/registry/pods/" + n++).modRevision());
                etcd.restart(member);
            }
            for (int i = 0; i < 5; i++) written.add(Eventually.create(writer, "/registry/pods/" + n++).modRevision());

            List<Long> seen = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                Event e = watch.poll(Eventually.PATIENCE);
                assertThat(e).as("event %d of %d", i + 1, written.size()).isNotNull();
                seen.add(e.revision());
            }
            assertThat(seen).containsExactlyElementsOf(written);
            assertThat(watch.poll(Duration.ofMillis(300))).as("no duplicate").isNull();
        }
    }

    @Test
    void theStoreAndAWatchOutliveALossOfQuorum() throws Exception {
        try (EtcdStore store = connect(etcd.endpoints()); Watch watch = store.watch("/registry/quorum/", store.currentRevision())) {
            long before = Eventually.create(store, "/registry/quorum/before").modRevision();

            etcd.kill(1);
            etcd.kill(2);
            // member 0 alone has no leader: reads through the leader fail, streams needing one are refused
            assertThatThrownBy(store::currentRevision).isInstanceOf(IllegalStateException.class);
            Thread.sleep(1_500);   // long enough for member 0 to give up on its leader and end the watch's stream
            etcd.restart(1);
            etcd.restart(2);

            long after = Eventually.create(store, "/registry/quorum/after").modRevision();
            assertThat(watch.poll(Eventually.PATIENCE).revision()).isEqualTo(before);
            assertThat(watch.poll(Eventually.PATIENCE).revision()).isEqualTo(after);
            assertThat(watch.poll(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    void aWatchWhoseHistoryWasCompactedWhileItsMemberWasDownEndsWithCompacted() throws Exception {
        // the watcher talks to member 0 alone, so its stream is lost for sure while 0 is down
        try (EtcdStore writer = connect(etcd.endpoint(1) + "," + etcd.endpoint(2)); EtcdStore watcher = connect(etcd.endpoint(0));
             Watch watch = watcher.watch("/registry/pods/", watcher.currentRevision())) {
            Eventually.create(writer, "/registry/pods/before");
            assertThat(watch.poll(Eventually.PATIENCE).entry().key()).isEqualTo("/registry/pods/before");

            etcd.kill(0);
            Eventually.create(writer, "/registry/pods/missed");
            long compacted = Eventually.create(writer, "/registry/pods/compacted").modRevision();
            writer.compact(compacted);
            etcd.restart(0);

            StoreException ended = catchThrowableOfType(StoreException.class, () -> {
                long deadline = System.nanoTime() + Eventually.PATIENCE.toNanos();
                while (System.nanoTime() < deadline) {
                    assertThat(watch.poll(Duration.ofSeconds(1))).as("no event: its history is gone").isNull();
                }
            });
            assertThat(ended).as("the watch ended").isNotNull();
            assertThat(ended.reason()).isEqualTo(Reason.COMPACTED);
            assertThat(watcher.compactedRevision()).isEqualTo(compacted);
        }
    }
}
