package io.portcullis.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A fixed number of seats for one kind of request, shared fairly among users, in the spirit of
 * kube-apiserver's API Priority and Fairness (one priority level, one flow per user):
 * <ul>
 *   <li>a request takes a free seat at once when nobody is waiting;</li>
 *   <li>otherwise it waits in its user's queue; all queues together hold at most {@code maxWaiting}
 *       requests (at least one);</li>
 *   <li>a freed seat goes to the waiting user who holds the fewest seats (the longest-waiting
 *       among equals), so a user with one request in flight always goes before a user with
 *       many: a noisy user cannot keep a quiet one out, yet seats nobody else wants stay in use;</li>
 *   <li>when the queues are full, a newcomer pushes out the newest waiting request of the user
 *       with the most requests (held and waiting) if that user would still have at least as many
 *       as the newcomer's; otherwise the newcomer is refused. A flood fills its own place in the
 *       queues, never another user's.</li>
 * </ul>
 * A request refused or pushed out is told why ({@link #QUEUE_FULL}); one that waits too long is
 * expired by its owner ({@link Ticket#expire()}). Thread-safe; callbacks run outside the lock.
 */
final class FairSeats {
    static final String QUEUE_FULL = "queue-full";
    static final String TIME_OUT = "time-out";

    private final int seats;
    private final int maxWaiting;
    private final Map<String, Flow> flows = new HashMap<>();
    /** The flows with someone waiting, in the order they began to wait. */
    private final Set<Flow> waitingFlows = new LinkedHashSet<>();
    private int held;
    private int waiting;
    private long arrivals;

    FairSeats(int seats, int maxWaiting) {
        if (seats < 1) throw new IllegalArgumentException("seats must be positive: " + seats);
        this.seats = seats;
        this.maxWaiting = Math.max(1, maxWaiting);
    }

    /** Seats a single user could fill: any number, nobody waits. */
    static FairSeats unlimited() {
        return new FairSeats(Integer.MAX_VALUE, 1);
    }

    synchronized int held() {
        return held;
    }

    synchronized int waiting() {
        return waiting;
    }

    /** Users with a seat or a place in line: what this holds per user, forgotten once they have neither. */
    synchronized int users() {
        return flows.size();
    }

    /**
     * A request of {@code user} asks for a seat. The ticket says whether it has one at once;
     * otherwise {@code granted} runs once it gets one, or {@code refused} (with the reason) once
     * it is refused, pushed out or expired -- exactly one of them, at most once, on the thread
     * that decided it. The ticket must be {@link Ticket#release() released} when the request is over.
     */
    Ticket enter(String user, Runnable granted, Consumer<String> refused) {
        List<Runnable> after = new ArrayList<>(1);
        Ticket t;
        synchronized (this) {
            Flow f = flows.computeIfAbsent(user, Flow::new);
            t = new Ticket(f, arrivals++, granted, refused);
            if (held < seats && waiting == 0) {
                take(t);
                t.grantedAtOnce = true;
            } else if (waiting >= maxWaiting && !pushOutFor(f, after)) {
                t.state = State.OVER;
                forgetIfIdle(f);
                after.add(() -> refused.accept(QUEUE_FULL));
            } else {
                t.state = State.WAITING;
                f.queue.addLast(t);
                waitingFlows.add(f);
                waiting++;
            }
        }
        after.forEach(Runnable::run);
        return t;
    }

    /** Makes room for a request of {@code newcomer}: pushes out the newest waiting request of a user with more. */
    private boolean pushOutFor(Flow newcomer, List<Runnable> after) {
        Flow most = null;
        for (Flow f : waitingFlows) if (most == null || f.claims() > most.claims()) most = f;
        if (most == null || most.claims() <= newcomer.claims() + 1) return false;
        Ticket out = most.queue.pollLast();
        leftQueue(most);
        out.state = State.OVER;
        after.add(() -> out.refused.accept(QUEUE_FULL));
        return true;
    }

    private void take(Ticket t) {
        t.state = State.HOLDING;
        t.flow.held++;
        held++;
    }

    private void leftQueue(Flow f) {
        waiting--;
        if (f.queue.isEmpty()) waitingFlows.remove(f);
        forgetIfIdle(f);
    }

    private void forgetIfIdle(Flow f) {
        if (f.held == 0 && f.queue.isEmpty()) flows.remove(f.user, f);
    }

    /** Gives free seats to waiting requests, fewest seats held first; what to run once unlocked goes to {@code after}. */
    private void dispatch(List<Runnable> after) {
        while (held < seats && waiting > 0) {
            Flow next = null;
            for (Flow f : waitingFlows) {
                if (next == null || f.held < next.held
                        || (f.held == next.held && f.queue.peekFirst().arrival < next.queue.peekFirst().arrival)) {
                    next = f;
                }
            }
            Ticket t = next.queue.pollFirst();
            take(t);   // before leaving the queue: a flow holding a seat is never forgotten
            leftQueue(next);
            after.add(t.granted);
        }
    }

    private enum State { NEW, WAITING, HOLDING, OVER }

    private static final class Flow {
        final String user;
        final ArrayDeque<Ticket> queue = new ArrayDeque<>();
        int held;

        Flow(String user) {
            this.user = user;
        }

        /** Seats held and places in the queue. */
        int claims() {
            return held + queue.size();
        }
    }

    /** One request's claim on a seat. */
    final class Ticket {
        private final Flow flow;
        private final long arrival;
        private final Runnable granted;
        private final Consumer<String> refused;
        private State state = State.NEW;
        private boolean grantedAtOnce;

        private Ticket(Flow flow, long arrival, Runnable granted, Consumer<String> refused) {
            this.flow = flow;
            this.arrival = arrival;
            this.granted = granted;
            this.refused = refused;
        }

        /** True when the seat was free on arrival: the caller goes on itself, and {@code granted} never runs. */
        boolean grantedAtOnce() {
            return grantedAtOnce;
        }

        /** The request is over: its seat, if it holds one, goes to the next in line; if it was waiting, it leaves the queue. */
        void release() {
            List<Runnable> after = new ArrayList<>(1);
            synchronized (FairSeats.this) {
                if (state == State.HOLDING) {
                    flow.held--;
                    held--;
                    forgetIfIdle(flow);
                    dispatch(after);
                } else if (state == State.WAITING) {
                    flow.queue.remove(this);
                    leftQueue(flow);
                }
                state = State.OVER;
            }
            after.forEach(Runnable::run);
        }

        /** Waited too long: refused with {@link #TIME_OUT} if still waiting, else nothing. */
        void expire() {
            synchronized (FairSeats.this) {
                if (state != State.WAITING) return;
                flow.queue.remove(this);
                leftQueue(flow);
                state = State.OVER;
            }
            refused.accept(TIME_OUT);
        }
    }
}
