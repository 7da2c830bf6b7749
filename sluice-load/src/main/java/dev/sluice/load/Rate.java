package dev.sluice.load;

import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.LimitSyntaxException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;

/**
 * A constant arrival rate: {@code count} requests per {@code period}, sent at exact, evenly spaced
 * times ({@link #offsetNanos(long)}). Parsed from {@code 2000/min}, {@code 50/s}, {@code 300/30s}
 * or {@code 10 per second}, as limits are ({@link Limit#parse(String)}).
 */
public final class Rate {

  /** The most a rate may be: one request per microsecond. */
  public static final long MAX_PER_SECOND = 1_000_000;

  private static final String TOO_MUCH = "at most " + MAX_PER_SECOND
      + " requests per second, over a period of at most a day";
  private static final String CALENDAR =
      "a load rate is steady: a calendar period (@zone) does not apply; use COUNT/UNIT";

  private final long count;
  private final long periodNanos;

  private Rate(long count, long periodNanos) {
    this.count = count;
    this.periodNanos = periodNanos;
  }

  /**
   * {@code count} requests per {@code period}.
   *
   * @throws IllegalArgumentException if count is not positive, the period is not positive or
   *     over a day, or the rate is above {@link #MAX_PER_SECOND}
   */
  public static Rate of(long count, Duration period) {
    if (count <= 0) {
      throw new IllegalArgumentException("the count must be positive, not " + count);
    }
    if (period.isNegative() || period.isZero() || period.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("the period must be over 0 and at most a day, not "
          + period);
    }
    long nanos = period.toNanos();
    // count / period <= MAX_PER_SECOND, without overflow
    if (BigInteger.valueOf(count).multiply(BigInteger.valueOf(1_000_000_000L))
        .compareTo(BigInteger.valueOf(MAX_PER_SECOND).multiply(BigInteger.valueOf(nanos))) > 0) {
      throw new IllegalArgumentException("at most " + MAX_PER_SECOND + " requests per second");
    }
    return new Rate(count, nanos);
  }

  /**
   * Parses a rate in Sluice's one rate grammar, {@link Limit#parse(String)}: {@code COUNT/UNIT},
   * {@code COUNT/NUNIT} or {@code COUNT per [N] UNIT}, where UNIT is {@code s}, {@code sec},
   * {@code second(s)}, {@code m}, {@code min}, {@code minute(s)}, {@code h}, {@code hour(s)} or
   * a longer unit of {@link Limit.Unit} (any case); the period is at most a day.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static Rate parse(String text) {
    Limit limit;
    try {
      limit = Limit.parse(text);
    } catch (LimitSyntaxException e) {
      throw new IllegalArgumentException(switch (e.problem()) {
        case SYNTAX -> "expected COUNT/UNIT such as 2000/min, 50/s or 300/30s";
        case UNKNOWN_UNIT -> "unknown unit '" + e.part().toLowerCase(Locale.ROOT)
            + "'; use s, sec, second, m, min, minute, h or hour";
        case ZERO_COUNT -> "the count must be positive, not 0";
        case ZERO_PERIOD -> "the period must not be 0";
        case COUNT_TOO_LARGE -> TOO_MUCH;
        case CALENDAR -> CALENDAR;
      }, e);
    } catch (InvalidLimitException e) {
      throw new IllegalArgumentException(TOO_MUCH, e);
    }
    if (limit.calendar().isPresent()) {
      throw new IllegalArgumentException(CALENDAR);
    }
    return of(limit.count(), limit.period());
  }

  /** Requests per period. */
  public long count() {
    return count;
  }

  /** The period. */
  public Duration period() {
    return Duration.ofNanos(periodNanos);
  }

  /** Requests per second, for display. */
  public double perSecond() {
    return count * 1e9 / periodNanos;
  }

  /**
   * When the request with this index (from 0) is due, in nanoseconds after the start: {@code
   * floor(index * period / count)}, exact for any index.
   */
  public long offsetNanos(long index) {
    long whole = index / count;
    long rest = index % count;
    long frac;
    try {
      frac = Math.multiplyExact(rest, periodNanos) / count;
    } catch (ArithmeticException e) {
      frac = BigInteger.valueOf(rest).multiply(BigInteger.valueOf(periodNanos))
          .divide(BigInteger.valueOf(count)).longValueExact();
    }
    return Math.addExact(Math.multiplyExact(whole, periodNanos), frac);
  }

  /** How many requests are due in the first {@code duration}: offsets in {@code [0, duration)}. */
  public long countWithin(Duration duration) {
    BigInteger nanos = BigInteger.valueOf(duration.toNanos());
    // the smallest i with floor(i * p / c) >= d is ceil(d * c / p)
    BigInteger[] qr = nanos.multiply(BigInteger.valueOf(count))
        .divideAndRemainder(BigInteger.valueOf(periodNanos));
    return qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rate r && r.count == count && r.periodNanos == periodNanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(count) * 31 + Long.hashCode(periodNanos);
  }

  /** {@code 2000/min}, {@code 50/s}, {@code 300/30s}. */
  @Override
  public String toString() {
    long s = periodNanos / 1_000_000_000L;
    if (periodNanos % 1_000_000_000L != 0) {
      return count + "/" + periodNanos / 1_000_000 + "ms";
    }
    if (s == 1) {
      return count + "/s";
    }
    if (s == 60) {
      return count + "/min";
    }
    if (s == 3600) {
      return count + "/h";
    }
    return count + "/" + s + "s";
  }
}
