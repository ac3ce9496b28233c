package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fair sharing of seats, step by step. A step is a user's name (a request of that user
 * arrives; requests are numbered from 1 in arrival order), {@code -n} (request n is over) or
 * {@code ~n} (request n has waited too long). What happens is written {@code n:now} (seat on
 * arrival), {@code n:granted} (seat given later), {@code n:queue-full} or {@code n:time-out}.
 */
class FairSeatsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                                   | seats | places| steps              | what happens                                  | held | waiting
            free seats are taken on arrival                          | 2     | 2     | a a                | 1:now 2:now                                   | 2    | 0
            without a seat a request waits for the next one freed    | 1     | 1     | a a -1             | 1:now 2:granted                               | 1    | 0
            the user holding fewer seats gets the freed one          | 2     | 2     | a a a b -1         | 1:now 2:now 4:granted                         | 2    | 1
            among users holding as many the longest waiting goes     | 1     | 2     | a b c -1           | 1:now 2:granted                               | 1    | 1
            a flood with full queues is refused its newest           | 1     | 2     | a a a a            | 1:now 4:queue-full                            | 1    | 2
            a quiet user pushes the flood's newest out of line       | 1     | 2     | a a a b            | 1:now 3:queue-full                            | 1    | 2
            the pushed-in quiet user is served in turn               | 1     | 2     | a a a b -1 -2      | 1:now 3:queue-full 2:granted 4:granted        | 1    | 0
            the flood cannot push the quiet user back out            | 1     | 2     | a a a b a          | 1:now 3:queue-full 5:queue-full               | 1    | 2
            with one place in line the quiet user still gets it      | 1     | 1     | a a b a -1         | 1:now 2:queue-full 4:queue-full 3:granted     | 1    | 0
            a request waiting too long is refused                    | 1     | 1     | a b ~2             | 1:now 2:time-out                              | 1    | 0
            a request holding a seat does not time out               | 1     | 1     | a ~1 b             | 1:now                                         | 1    | 1
            a request that leaves while waiting gives up its place   | 1     | 1     | a b -2 c -1        | 1:now 3:granted                               | 1    | 0
            a request over twice is over once                        | 1     | 2     | a b c -1 -1 -2     | 1:now 2:granted 3:granted                     | 1    | 0
            a user given a seat from the line still counts it        | 1     | 1     | a b -1 b c         | 1:now 2:granted 3:queue-full                  | 1    | 1
            without a limit everyone is served on arrival            | 0     | 0     | a a a a b          | 1:now 2:now 3:now 4:now 5:now                 | 5    | 0
            """)
    void seatsAreSharedFairly(String name, int seats, int places, String steps, String want, int held, int waiting) {
        FairSeats fair = seats == 0 ? FairSeats.unlimited() : new FairSeats(seats, places);
        List<String> happened = new ArrayList<>();
        List<FairSeats.Ticket> tickets = new ArrayList<>();
        for (String step : steps.split(" ")) {
            if (step.startsWith("-")) {
                tickets.get(Integer.parseInt(step.substring(1)) - 1).release();
            } else if (step.startsWith("~")) {
                tickets.get(Integer.parseInt(step.substring(1)) - 1).expire();
            } else {
                int n = tickets.size() + 1;
                FairSeats.Ticket t = fair.enter(step, () -> happened.add(n + ":granted"), why -> happened.add(n + ":" + why));
                if (t.grantedAtOnce()) happened.add(n + ":now");
                tickets.add(t);
            }
        }
        assertThat(String.join(" ", happened)).isEqualTo(want);
        assertThat(fair.held()).as("seats held").isEqualTo(held);
        assertThat(fair.waiting()).as("requests waiting").isEqualTo(waiting);
        tickets.forEach(FairSeats.Ticket::release);
        assertThat(fair.held()).isZero();
        assertThat(fair.waiting()).isZero();
        assertThat(fair.users()).as("nothing is kept for users with nothing in flight").isZero();
    }

    /**
     * Random arrivals, ends and expiries of three users; after every step the seats and the line
     * hold what the callbacks said, within their bounds, and a newcomer is refused only when no
     * other user has more than one request more (held and waiting) than its own user.
     */
    @Test
    void randomTrafficKeepsTheBoundsAndRefusesOnlyTheUserWithTheMost() {
        java.util.Random random = new java.util.Random(42);
        int seats = 3, places = 3;
        FairSeats fair = new FairSeats(seats, places);
        String[] users = {"a", "b", "c"};
        List<FairSeats.Ticket> tickets = new ArrayList<>();
        List<String> owner = new ArrayList<>();
        java.util.Map<Integer, String> state = new java.util.HashMap<>();   // holding, waiting, over
        for (int step = 0; step < 3_000; step++) {
            int roll = random.nextInt(10);
            if (roll < 5 || tickets.isEmpty()) {
                String user = users[random.nextInt(random.nextInt(10) < 6 ? 1 : 3)];   // "a" floods
                java.util.Map<String, Integer> claimsBefore = claims(state, owner);
                int n = tickets.size();
                owner.add(user);
                boolean[] refusedNow = {false};
                FairSeats.Ticket t = fair.enter(user, () -> state.put(n, "holding"), why -> {
                    if (state.get(n) == null) refusedNow[0] = true;
                    state.put(n, "over");
                });
                tickets.add(t);
                if (t.grantedAtOnce()) state.put(n, "holding");
                else if (!refusedNow[0]) state.put(n, "waiting");
                if (refusedNow[0]) {
                    int mine = claimsBefore.getOrDefault(user, 0);
                    for (var e : claimsBefore.entrySet()) {
                        if (!e.getKey().equals(user)) assertThat(e.getValue()).as("step %d: %s refused while %s has more", step, user, e.getKey())
                                .isLessThanOrEqualTo(mine + 1);
                    }
                }
            } else {
                int n = random.nextInt(tickets.size());
                if (roll < 9) {
                    tickets.get(n).release();
                    state.put(n, "over");
                } else {
                    tickets.get(n).expire();
                }
            }
            long holding = state.values().stream().filter("holding"::equals).count();
            long waiting = state.values().stream().filter("waiting"::equals).count();
            assertThat(fair.held()).as("step %d", step).isEqualTo((int) holding).isLessThanOrEqualTo(seats);
            assertThat(fair.waiting()).as("step %d", step).isEqualTo((int) waiting).isLessThanOrEqualTo(places);
            assertThat(holding < seats && waiting > 0).as("step %d: a free seat while someone waits", step).isFalse();
        }
        tickets.forEach(FairSeats.Ticket::release);
        assertThat(fair.users()).isZero();
    }

    private static java.util.Map<String, Integer> claims(java.util.Map<Integer, String> state, List<String> owner) {
        java.util.Map<String, Integer> claims = new java.util.HashMap<>();
        state.forEach((n, s) -> {
            if (!s.equals("over")) claims.merge(owner.get(n), 1, Integer::sum);
        });
        return claims;
    }
}
