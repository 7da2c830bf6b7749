package dev.sluice.redis.contract;

import dev.sluice.FailurePolicy;
import dev.sluice.ManualClock;
import dev.sluice.redis.RedisBackend;
import dev.sluice.testkit.contract.BackendFixture;
import java.time.Duration;

/**
 * The contract suite's view of Redis: a {@link RedisBackend} of its own (one connection, closed
 * after the test) on a shared server, deciding at the time of the fixture's {@link ManualClock}.
 * FAIL_CLOSED with a generous timeout, so a Redis problem shows as a degraded decision, which the
 * suite rejects, rather than as a quiet admission.
 */
final class RedisFixture implements BackendFixture {

  private final ManualClock clock = new ManualClock();
  private final RedisBackend backend;

  RedisFixture(String uri) {
    backend = RedisBackend.builder(uri).clock(clock).keyPrefix("contract:")
        .failurePolicy(FailurePolicy.FAIL_CLOSED).timeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public ManualClock clock() {
    return clock;
  }

  @Override
  public RedisBackend backend() {
    return backend;
  }

  @Override
  public void close() {
    backend.close();
  }
}
