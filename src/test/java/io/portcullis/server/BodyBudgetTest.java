package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BodyBudgetTest {
    private static final long MB = 1 << 20;

    @Test
    void bodiesShareOneBoundAndGiveItBackWhenDone() {
        BodyBudget budget = new BodyBudget(8 * MB);
        BodyBudget.Lease a = budget.lease();
        BodyBudget.Lease b = budget.lease();
        assertThat(a.grow(3 * MB)).isTrue();
        assertThat(b.grow(3 * MB)).isTrue();
        BodyBudget.Lease c = budget.lease();
        assertThat(c.grow(3 * MB)).as("no room for a third body").isFalse();
        assertThat(budget.held()).isEqualTo(6 * MB);
        a.release();
        assertThat(c.grow(3 * MB)).isTrue();
        b.release();
        c.release();
        assertThat(budget.held()).isZero();
    }

    @Test
    void aBodyGrowsInStepsAsItArrives() {
        BodyBudget budget = new BodyBudget(4 * MB);
        BodyBudget.Lease a = budget.lease();
        assertThat(a.grow(1)).isTrue();
        assertThat(budget.held()).isEqualTo(64 * 1024);
        assertThat(a.grow(64 * 1024)).isTrue();
        assertThat(budget.held()).isEqualTo(64 * 1024);
        assertThat(a.grow(64 * 1024 + 1)).isTrue();
        assertThat(budget.held()).isEqualTo(128 * 1024);
        assertThat(a.grow(5 * MB)).isFalse();
        assertThat(budget.held()).as("a refused growth holds nothing more").isEqualTo(128 * 1024);
        a.release();
        a.release();
        assertThat(budget.held()).as("releasing twice gives back once").isZero();
    }

    @Test
    void aBudgetMustHoldAtLeastOneLargestBody() {
        assertThatThrownBy(() -> new BodyBudget(MB)).isInstanceOf(IllegalArgumentException.class);
    }
}
