package dev.sluice.testkit.contract;

import org.junit.jupiter.api.Nested;

/**
 * The whole contract suite in one class: a backend runs every contract by extending this with one
 * {@link #fixture()}; each contract class is a nested test class here, each test with a fixture
 * of its own. A new contract class is added here once and every backend runs it
 * ({@code ContractSuiteTest} fails if one is missing).
 *
 * <pre>{@code
 * class MemoryContractTest extends ContractSuite {
 *   @Override
 *   protected BackendFixture fixture() {
 *     return new MemoryFixture();
 *   }
 * }
 * }</pre>
 */
public abstract class ContractSuite {

  /** A fresh backend under test, called once per test; closed after it. */
  protected abstract BackendFixture fixture() throws Exception;

  /** {@link TokenBucketContract} on this suite's backend. */
  @Nested
  public class TokenBucket extends TokenBucketContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link GcraContract} on this suite's backend. */
  @Nested
  public class Gcra extends GcraContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link FixedWindowContract} on this suite's backend. */
  @Nested
  public class FixedWindow extends FixedWindowContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link CalendarWindowContract} on this suite's backend. */
  @Nested
  public class CalendarWindow extends CalendarWindowContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link SlidingWindowCounterContract} on this suite's backend. */
  @Nested
  public class SlidingWindowCounter extends SlidingWindowCounterContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link SlidingWindowLogContract} on this suite's backend. */
  @Nested
  public class SlidingWindowLog extends SlidingWindowLogContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link MultiLimitContract} on this suite's backend. */
  @Nested
  public class MultiLimit extends MultiLimitContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link KeyContract} on this suite's backend. */
  @Nested
  public class Key extends KeyContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link ConcurrencyContract} on this suite's backend. */
  @Nested
  public class Concurrency extends ConcurrencyContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link TakeUpToContract} on this suite's backend. */
  @Nested
  public class TakeUpTo extends TakeUpToContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link ReserveContract} on this suite's backend. */
  @Nested
  public class Reserve extends ReserveContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link RefundContract} on this suite's backend. */
  @Nested
  public class Refund extends RefundContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link RecordContract} on this suite's backend. */
  @Nested
  public class Record extends RecordContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link HoldContract} on this suite's backend. */
  @Nested
  public class Holds extends HoldContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link ResetContract} on this suite's backend. */
  @Nested
  public class Reset extends ResetContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link ChangedLimitsContract} on this suite's backend. */
  @Nested
  public class ChangedLimits extends ChangedLimitsContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }

  /** {@link AllOrNothingContract} on this suite's backend. */
  @Nested
  public class AllOrNothing extends AllOrNothingContract {
    @Override
    protected BackendFixture createFixture() throws Exception {
      return fixture();
    }
  }
}
