/**
 * The contract suite every Sluice backend must pass: one abstract JUnit Jupiter class per
 * algorithm family, plus multi-limit, key and concurrency contracts. A backend runs all of it
 * by extending {@link dev.sluice.testkit.contract.ContractSuite} with a {@link
 * dev.sluice.testkit.contract.BackendFixture} factory; the tests read as the specification of
 * the decisions: exact allowed/denied, remaining, resetAfter and retryAfter, in microseconds.
 *
 * <p>The suite depends only on {@code sluice-core}, JUnit Jupiter and AssertJ, so any backend can
 * run it from its tests; real Redis servers for tests are in {@code sluice-testkit-redis}.
 */
@NullMarked
package dev.sluice.testkit.contract;

import org.jspecify.annotations.NullMarked;
