/**
 * The contract suite every Sluice backend must pass: one abstract JUnit Jupiter class per
 * algorithm family, plus multi-limit, key and concurrency contracts. A backend runs all of it
 * by extending {@link dev.sluice.testkit.contract.ContractSuite} with a {@link
 * dev.sluice.testkit.contract.BackendFixture} factory; the tests read as the specification of
 * the decisions: exact allowed/denied, remaining, resetAfter and retryAfter, in microseconds.
 */
@NullMarked
package dev.sluice.testkit.contract;

import org.jspecify.annotations.NullMarked;
