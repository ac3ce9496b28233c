package io.portcullis.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the server holds at once, across every request: a fixed bound
 * however many clients send at the same time. A request leases room as its body arrives and gives
 * it back when its exchange is over; a body that finds no room is refused (429), not queued.
 */
final class BodyBudget {
    private static final long STEP = 64 * 1024;
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long limit) {
        if (limit < Exchange.MAX_BODY) throw new IllegalArgumentException("a body budget of " + limit + " bytes cannot hold one body");
        this.limit = limit;
    }

    /** A sixteenth of the heap (a parsed body takes several times its bytes), and at least two bodies of the largest size. */
    static BodyBudget ofHeap() {
        return new BodyBudget(Math.max(2L * Exchange.MAX_BODY, Runtime.getRuntime().maxMemory() / 16));
    }

    long held() {
        return held.get();
    }

    Lease lease() {
        return new Lease();
    }

    /** The room one body holds. */
    final class Lease {
        private long size;

        /** Holds room for {@code bytes} in all (in steps); false when the budget has none left. */
        synchronized boolean grow(long bytes) {
            if (bytes <= size) return true;
            long want = (bytes + STEP - 1) / STEP * STEP;
            long more = want - size;
            while (true) {
                long now = held.get();
                if (now + more > limit) return false;
                if (held.compareAndSet(now, now + more)) break;
            }
            size = want;
            return true;
        }

        synchronized void release() {
            held.addAndGet(-size);
            size = 0;
        }
    }
}
