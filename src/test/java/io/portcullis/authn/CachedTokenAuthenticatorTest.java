package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachedTokenAuthenticatorTest {
    final AtomicLong nanos = new AtomicLong();
    final Ticker ticker = nanos::get;
    final AtomicInteger calls = new AtomicInteger();

    CachedTokenAuthenticator cache(TokenAuthenticator delegate) {
        return Authenticators.cached((t, a) -> { calls.incrementAndGet(); return delegate.authenticateToken(t, a); },
                Duration.ofSeconds(10), Duration.ofSeconds(1), 100, ticker);
    }

    static final TokenAuthenticator SA = (t, a) -> switch (t) {
        case "sa1" -> Optional.of(new TokenResult(UserInfo.of("system:serviceaccount:ns:sa1"), a,
                Set.of("serviceaccount/ns/sa1", "pod/ns/p1")));
        case "sa2" -> Optional.of(new TokenResult(UserInfo.of("system:serviceaccount:ns:sa2"), a, Set.of("serviceaccount/ns/sa2")));
        case "bad" -> throw new AuthenticationException("token has expired");
        default -> Optional.empty();
    };

    void advance(Duration d) { nanos.addAndGet(d.toNanos()); }

    @Test
    void successIsServedFromCacheForItsTtlThenAskedAgain() throws Exception {
        var c = cache(SA);
        assertThat(c.authenticateToken("sa1", List.of())).isPresent();
        advance(Duration.ofSeconds(9));
        assertThat(c.authenticateToken("sa1", List.of())).isPresent();
        assertThat(calls).hasValue(1);
        advance(Duration.ofSeconds(2));
        c.authenticateToken("sa1", List.of());
        assertThat(calls).hasValue(2);
    }

    @Test
    void failuresAndErrorsAreCachedOnlyForTheFailureTtl() throws Exception {
        var c = cache(SA);
        assertThat(c.authenticateToken("unknown", List.of())).isEmpty();
        assertThatThrownBy(() -> c.authenticateToken("bad", List.of())).hasMessage("token has expired");
        assertThat(c.authenticateToken("unknown", List.of())).isEmpty();
        assertThatThrownBy(() -> c.authenticateToken("bad", List.of())).hasMessage("token has expired");
        assertThat(calls).hasValue(2);
        advance(Duration.ofMillis(1001));
        c.authenticateToken("unknown", List.of());
        assertThat(calls).hasValue(3);
    }

    @Test
    void audiencesArepart_ofTheKey() throws Exception {
        var c = cache(SA);
        assertThat(c.authenticateToken("sa1", List.of("a")).orElseThrow().audiences()).containsExactly("a");
        assertThat(c.authenticateToken("sa1", List.of("b")).orElseThrow().audiences()).containsExactly("b");
        assertThat(calls).hasValue(2);
    }

    @Test
    void deletingADependencyDropsEveryEntryThatDependsOnItAtOnce() throws Exception {
        var c = cache(SA);
        c.authenticateToken("sa1", List.of());
        c.authenticateToken("sa1", List.of("aud"));
        c.authenticateToken("sa2", List.of());
        assertThat(calls).hasValue(3);
        c.invalidate("pod/ns/p1");
        c.authenticateToken("sa1", List.of());
        c.authenticateToken("sa1", List.of("aud"));
        c.authenticateToken("sa2", List.of());
        assertThat(calls).hasValue(5);
        c.invalidate("serviceaccount/ns/sa2");
        c.invalidate("nothing/depends/on/this");
        c.authenticateToken("sa2", List.of());
        assertThat(calls).hasValue(6);
    }

    @Test
    void aDeletionWhileTheDelegateAnswersIsNotCachedOver() throws Exception {
        CachedTokenAuthenticator[] self = new CachedTokenAuthenticator[1];
        self[0] = cache((t, a) -> {
            self[0].invalidate("serviceaccount/ns/sa1");
            return SA.authenticateToken(t, a);
        });
        self[0].authenticateToken("sa1", List.of());
        self[0].authenticateToken("sa1", List.of());
        assertThat(calls).hasValue(2);
    }

    @Test
    void evictedEntriesLeaveNoDependencyBehind() throws Exception {
        var c = Authenticators.cached(SA, Duration.ofSeconds(10), Duration.ofSeconds(1), 1, ticker);
        c.authenticateToken("sa1", List.of());
        c.authenticateToken("sa2", List.of());
        assertThat(c.size()).isEqualTo(1);
    }

    @Test
    void aFailureTtlAboveTheSuccessTtlIsRefused() {
        assertThatThrownBy(() -> Authenticators.cached(SA, Duration.ofSeconds(1), Duration.ofSeconds(2), 10, ticker))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
