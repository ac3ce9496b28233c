package io.portcullis.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder.Observed;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.authz.Authorizer.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessRecorderTest {
    static final UserInfo FOO = UserInfo.of("system:serviceaccount:prod:foo", "system:serviceaccounts", "system:serviceaccounts:prod",
            "system:authenticated");
    static final UserInfo ALICE = UserInfo.of("alice", "devs", "system:authenticated");

    /** A clock the test moves by hand. */
    static final class Ticking extends Clock {
        long millis = 1_000_000;

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }
    }

    static Attributes get(UserInfo u, String resource, String ns, String name) {
        return Attributes.resource(u, "get", "", resource, "", ns, name);
    }

    @Test
    void eachDistinctRequestIsCountedWithItsFirstAndLastSightingAndItsDecisions() {
        Ticking clock = new Ticking();
        AccessRecorder r = new AccessRecorder(10, 10, clock);
        r.record(get(FOO, "configmaps", "prod", "a"), true);
        clock.millis += 1000;
        r.record(get(FOO, "configmaps", "prod", "a"), true);
        clock.millis += 1000;
        r.record(get(FOO, "configmaps", "prod", "a"), false);
        r.record(Attributes.nonResource(FOO, "get", "/healthz"), true);

        List<Observed> seen = r.observed(FOO.name(), null);
        assertThat(seen).hasSize(2);
        Observed cm = seen.get(0);
        assertThat(cm.request()).isEqualTo(new Request(true, "get", "", "configmaps", "", "prod", "a", ""));
        assertThat(cm.allowed()).isEqualTo(2);
        assertThat(cm.denied()).isEqualTo(1);
        assertThat(cm.firstSeen()).isEqualTo(Instant.ofEpochMilli(1_000_000));
        assertThat(cm.lastAllowed()).isEqualTo(Instant.ofEpochMilli(1_001_000));
        assertThat(cm.lastDenied()).isEqualTo(Instant.ofEpochMilli(1_002_000));
        assertThat(seen.get(1).request().describe()).isEqualTo("get /healthz");
        assertThat(cm.request().describe()).isEqualTo("get configmaps/a in prod");
        assertThat(r.groups(FOO.name())).isEqualTo(FOO.groups());
        assertThat(r.observed(FOO.name(), Instant.ofEpochMilli(1_002_000))).hasSize(2);
        assertThat(r.observed(FOO.name(), Instant.ofEpochMilli(1_002_001))).isEmpty();
        assertThat(r.observed("nobody", null)).isEmpty();
    }

    @Test
    void theRequestIsKeyedByWhatRbacReadsNotByItsVersion() {
        AccessRecorder r = AccessRecorder.bounded();
        r.record(new Attributes(FOO, "list", true, "prod", "apps", "v1", "deployments", "", "", "/apis/apps/v1/namespaces/prod/deployments"), true);
        r.record(new Attributes(FOO, "list", true, "prod", "apps", "v1beta1", "deployments", "", "", "/apis/apps/v1beta1/namespaces/prod/deployments"), true);
        assertThat(r.observed(FOO.name(), null)).singleElement().satisfies(o -> assertThat(o.allowed()).isEqualTo(2));
    }

    @Test
    void pastTheBoundTheLeastRecentlySeenAreEvicted() {
        Ticking clock = new Ticking();
        AccessRecorder r = new AccessRecorder(10, 20, clock);
        for (int i = 0; i < 20; i++) {
            clock.millis++;
            r.record(get(FOO, "configmaps", "prod", "cm" + i), true);
        }
        clock.millis++;
        r.record(get(FOO, "configmaps", "prod", "cm0"), true);   // seen again: now the newest
        clock.millis++;
        r.record(get(FOO, "configmaps", "prod", "cm20"), true);  // the 21st: a tenth of the bound goes
        List<String> names = r.observed(FOO.name(), null).stream().map(o -> o.request().name()).toList();
        assertThat(names).hasSize(18).contains("cm0", "cm20", "cm19", "cm4").doesNotContain("cm1", "cm2", "cm3");

        for (int i = 0; i < 11; i++) {
            clock.millis++;
            r.record(get(UserInfo.of("user" + i), "pods", "", ""), true);
        }
        // the 11th subject evicts the oldest tenth of the bound and one more: FOO and user0
        assertThat(r.subjects()).hasSize(10).doesNotContain(FOO.name(), "user0").contains("user1", "user10");
    }

    @Test
    void recordingDecoratesTheChainAndLeavesEvaluationErrorsOut() {
        AccessRecorder r = AccessRecorder.bounded();
        Authorizer allowConfigMaps = a -> a.resource().equals("configmaps") ? Verdict.allow("") : Verdict.noOpinion("");
        Authorizer recorded = Authorizers.recording(allowConfigMaps, r);
        assertThat(recorded.authorize(get(ALICE, "configmaps", "prod", "")).allowed()).isTrue();
        assertThat(recorded.authorize(get(ALICE, "secrets", "prod", "x")).allowed()).isFalse();
        Authorizer broken = Authorizers.recording(a -> { throw new AuthorizationException("down"); }, r);
        try {
            broken.authorize(get(ALICE, "pods", "prod", ""));
        } catch (AuthorizationException expected) {
            // not a decision
        }
        assertThat(r.observed("alice", null)).extracting(o -> o.request().resource() + " " + o.allowed() + "/" + o.denied())
                .containsExactlyInAnyOrder("configmaps 1/0", "secrets 0/1");
    }

    @Test
    void recordsSurviveASaveAndALoadInAnOwnerOnlyFile(@TempDir Path dir) throws Exception {
        Ticking clock = new Ticking();
        AccessRecorder r = new AccessRecorder(10, 10, clock);
        r.record(get(FOO, "secrets", "prod", "app-secret"), true);
        r.record(Attributes.resource(FOO, "create", "", "pods", "exec", "prod", "web"), false);
        r.record(Attributes.nonResource(ALICE, "get", "/metrics"), true);
        assertThat(r.changed()).isTrue();
        Path file = dir.resolve("access-records.json");
        r.save(file);
        assertThat(r.changed()).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        AccessRecorder back = new AccessRecorder(10, 10, clock);
        back.load(file);
        assertThat(back.subjects()).containsExactly("alice", FOO.name());
        assertThat(back.observed(FOO.name(), null)).isEqualTo(r.observed(FOO.name(), null));
        assertThat(back.observed("alice", null)).isEqualTo(r.observed("alice", null));
        assertThat(back.groups("alice")).isEqualTo(ALICE.groups());
        assertThat(back.id()).isEqualTo(r.id()).isNotEqualTo(new AccessRecorder(10, 10, clock).id());
    }

    @Test
    void mergedRecordsAddTheirCountsAndKeepTheWidestSightings() {
        Ticking clock = new Ticking();
        AccessRecorder here = new AccessRecorder(10, 10, clock);
        AccessRecorder there = new AccessRecorder(10, 10, clock);
        there.record(get(FOO, "configmaps", "prod", "a"), true);
        clock.millis += 1000;
        here.record(get(FOO, "configmaps", "prod", "a"), true);
        here.record(get(FOO, "configmaps", "prod", "a"), false);
        there.record(get(FOO, "secrets", "prod", "s"), false);
        clock.millis += 1000;
        there.record(get(FOO, "configmaps", "prod", "a"), true);

        AccessRecorder merged = new AccessRecorder(10, 10, clock);
        merged.merge(here.subjectJson(FOO.name()));
        merged.merge(there.subjectJson(FOO.name()));
        List<Observed> seen = merged.observed(FOO.name(), null);
        assertThat(seen).extracting(o -> o.request().describe() + " " + o.allowed() + "/" + o.denied())
                .containsExactly("get configmaps/a in prod 3/1", "get secrets/s in prod 0/1");
        Observed cm = seen.get(0);
        assertThat(cm.firstSeen()).isEqualTo(Instant.ofEpochMilli(1_000_000));
        assertThat(cm.lastAllowed()).isEqualTo(Instant.ofEpochMilli(1_002_000));
        assertThat(cm.lastDenied()).isEqualTo(Instant.ofEpochMilli(1_001_000));
        assertThat(merged.groups(FOO.name())).isEqualTo(FOO.groups());
        assertThat(here.subjectJson("nobody")).isNull();
    }

    @Test
    void theSubjectsChangedSinceTheLastAskingAreTakenOnce() {
        Ticking clock = new Ticking();
        AccessRecorder r = new AccessRecorder(10, 10, clock);
        r.record(get(FOO, "configmaps", "prod", "a"), true);
        r.record(get(ALICE, "configmaps", "prod", "a"), true);
        assertThat(r.takeChanged()).containsExactlyInAnyOrder(FOO.name(), "alice");
        assertThat(r.takeChanged()).isEmpty();
        r.record(get(ALICE, "pods", "prod", ""), false);
        assertThat(r.takeChanged()).containsExactly("alice");
    }

    @Test
    void decisionsFromALogKeepTheirOwnTimesInAnyOrder() {
        AccessRecorder r = new AccessRecorder(10, 10, new Ticking());
        Request q = new Request(true, "get", "", "pods", "", "prod", "", "");
        r.record(FOO.name(), FOO.groups(), q, true, 5_000);
        r.record(FOO.name(), FOO.groups(), q, true, 2_000);
        r.record(FOO.name(), FOO.groups(), q, false, 3_000);
        assertThat(r.observed(FOO.name(), null)).singleElement().satisfies(o -> {
            assertThat(o.firstSeen()).isEqualTo(Instant.ofEpochMilli(2_000));
            assertThat(o.lastSeen()).isEqualTo(Instant.ofEpochMilli(5_000));
            assertThat(o.lastDenied()).isEqualTo(Instant.ofEpochMilli(3_000));
        });
    }

    @Test
    void aMissingOrUnreadableFileLoadsNothing(@TempDir Path dir) throws Exception {
        AccessRecorder r = AccessRecorder.bounded();
        r.load(dir.resolve("absent.json"));
        r.load(Files.writeString(dir.resolve("bad.json"), "{not json"));
        r.load(Files.writeString(dir.resolve("other.json"), "{\"format\":\"something else\",\"subjects\":[{\"name\":\"x\"}]}"));
        assertThat(r.subjects()).isEmpty();
    }
}
