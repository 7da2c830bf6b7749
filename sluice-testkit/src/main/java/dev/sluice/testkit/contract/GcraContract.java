package dev.sluice.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Algorithm;
import dev.sluice.Decision;
import dev.sluice.Limit;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract of {@link Algorithm#GCRA}: every rule of {@link BucketContract}, since GCRA admits
 * exactly as the token bucket does and reports the same numbers; and, on the backend under test,
 * decision for decision the same answers as a {@link Algorithm#TOKEN_BUCKET} limiter.
 */
public abstract class GcraContract extends BucketContract {

  @Override
  protected final Algorithm algorithm() {
    return Algorithm.GCRA;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"3/second", "7/3s", "10/second burst 2", "1/minute burst 5", "5/s"})
  void answersEveryRequestExactlyAsTheTokenBucketDoes(String text) {
    String[] parts = text.split(" burst ");
    Limit.Builder rate = Limit.builder(parts[0]);
    if (parts.length > 1) {
      rate.burst(Long.parseLong(parts[1]));
    }
    Limit bucket = rate.build();
    Key tokenBucket = key(bucket);
    Key gcra = key(rate.algorithm(Algorithm.GCRA).build());
    long interval = bucket.periodMicros() / bucket.count();
    SplittableRandom random = new SplittableRandom(text.hashCode());
    at(0);
    for (int i = 0; i < 300; i++) {
      clock.advanceMicros(switch (random.nextInt(5)) {
        case 0 -> 0;
        case 1 -> 1;
        case 2 -> random.nextLong(2 * interval);
        case 3 -> random.nextLong(bucket.periodMicros() + 1);
        default -> random.nextLong(interval / 2) + interval - interval / 4;
      });
      long permits = random.nextLong(bucket.burst() + 2);
      Decision expected = tokenBucket.acquire(permits);
      Decision actual = gcra.acquire(permits);
      assertThat(new long[] {actual.remaining(), actual.resetAfterMicros(),
          actual.retryAfterMicros()})
          .as("request %d: %d permits at T0 + %d µs: %s vs token bucket's %s", i, permits, now(),
              actual, expected)
          .containsExactly(expected.remaining(), expected.resetAfterMicros(),
              expected.retryAfterMicros());
      assertThat(actual.reason()).isEqualTo(expected.reason());
    }
  }
}
