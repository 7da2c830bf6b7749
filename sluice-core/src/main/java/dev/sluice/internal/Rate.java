package dev.sluice.internal;

import java.math.BigInteger;

/**
 * Exact arithmetic on times that are multiples of the emission interval {@code T = period / count},
 * which is rarely a whole number of microseconds. With {@code g = gcd(period, count)} and {@code c =
 * count / g}, {@code T = q + r / c} in lowest terms, and a time is a pair {@code (m, f)} meaning
 * {@code m + f / c} µs with {@code 0 <= f < c}. {@link dev.sluice.Limit} bounds {@code burst × c}
 * by 2^53, so every product {@code n × T} for {@code n <= burst} stays exact. Immutable, shared.
 */
final class Rate {
  /** Denominator of every fraction: count / gcd(period, count). */
  final long c;
  final long q;
  final long r;
  /** The largest n for which {@link #micros} and {@link #fraction} cannot overflow a long. */
  private final long safe;

  Rate(long count, long periodMicros) {
    long g = gcd(periodMicros, count);
    this.c = count / g;
    this.q = periodMicros / count;
    this.r = periodMicros % count / g;
    this.safe = Math.min(Long.MAX_VALUE / c, Long.MAX_VALUE / (q + 1));
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Whole microseconds of {@code n × T}. */
  long micros(long n) {
    return n * q + n * r / c;
  }

  /** Fraction (in 1/count µs) of {@code n × T}. */
  long fraction(long n) {
    return n * r % c;
  }

  /**
   * Whether {@code n × T < (m, f)}, exactly for any {@code n >= 0}: a refund may give back far
   * more permits than a limit holds.
   */
  boolean lessThan(long n, long m, long f) {
    if (n <= safe) {
      return compare(micros(n), fraction(n), m, f) < 0;
    }
    BigInteger cc = BigInteger.valueOf(c);
    BigInteger nT = BigInteger.valueOf(n).multiply(BigInteger.valueOf(q).multiply(cc)
        .add(BigInteger.valueOf(r)));
    return nT.compareTo(BigInteger.valueOf(m).multiply(cc).add(BigInteger.valueOf(f))) < 0;
  }

  /**
   * Subtracts {@code n × T} from the time {@code (s[i], s[i + 1])} in place. The result must be a
   * long (it is when {@code n × T} is less than the time); exact for any {@code n >= 0}.
   */
  void subtract(long[] s, int i, long n) {
    long m;
    long f;
    if (n <= safe) {
      m = s[i] - micros(n);
      f = s[i + 1] - fraction(n);
    } else {
      BigInteger[] qr = BigInteger.valueOf(n).multiply(BigInteger.valueOf(r))
          .divideAndRemainder(BigInteger.valueOf(c));
      m = BigInteger.valueOf(s[i]).subtract(BigInteger.valueOf(n).multiply(BigInteger.valueOf(q)))
          .subtract(qr[0]).longValueExact();
      f = s[i + 1] - qr[1].longValueExact();
    }
    if (f < 0) {
      f += c;
      m--;
    }
    s[i] = m;
    s[i + 1] = f;
  }

  /**
   * The longest wait a reservation into debt may be granted under a bucket of {@code burst} with
   * this rate ({@code count} per {@code periodMicros}), so that every value stays an exact integer
   * below 2^53: {@code min(2^52 - ceil(b × T), floor((floor(2^53 / c) - b) × T))}. The first term
   * keeps the debt (and so absolute times) within 2^52 µs of now, the second keeps the permits in
   * debt times c within 2^53. Never negative for a valid {@link dev.sluice.Limit}.
   */
  static long maxSafeWait(long count, long periodMicros, long burst) {
    BigInteger p = BigInteger.valueOf(periodMicros);
    BigInteger n = BigInteger.valueOf(count);
    BigInteger b = BigInteger.valueOf(burst);
    BigInteger two52 = BigInteger.ONE.shiftLeft(52);
    BigInteger c = n.divide(p.gcd(n));
    BigInteger[] bt = b.multiply(p).divideAndRemainder(n);
    BigInteger ceilBt = bt[1].signum() == 0 ? bt[0] : bt[0].add(BigInteger.ONE);
    BigInteger first = two52.subtract(ceilBt);
    BigInteger second = BigInteger.ONE.shiftLeft(53).divide(c).subtract(b).multiply(p).divide(n);
    return first.min(second).max(BigInteger.ZERO).longValueExact();
  }

  /** Compares {@code (m1, f1)} with {@code (m2, f2)}. */
  static int compare(long m1, long f1, long m2, long f2) {
    return m1 != m2 ? Long.compare(m1, m2) : Long.compare(f1, f2);
  }

  /** Whether {@code n × T > (m, f)}. */
  boolean exceeds(long n, long m, long f) {
    return compare(micros(n), fraction(n), m, f) > 0;
  }

  /** The smallest whole microsecond at or after {@code (m, f)}. */
  static long ceil(long m, long f) {
    return f > 0 ? m + 1 : m;
  }

  /** {@code ceil((m1, f1) + (m2, f2))}. */
  long ceilSum(long m1, long f1, long m2, long f2) {
    return f1 + f2 > c ? m1 + m2 + 2 : f1 + f2 > 0 ? m1 + m2 + 1 : m1 + m2;
  }

  /** {@code ceil((m + f/c) / T)} for a non-negative time, capped at {@code max}. */
  long ceilDivT(long xm, long xf, long max) {
    long n = floorDivT(xm, xf, max);
    return n < max && (micros(n) != xm || fraction(n) != xf) ? n + 1 : n;
  }

  /**
   * {@code floor((m + f/c) / T)} for a non-negative time, capped at {@code max}. A floating-point
   * estimate corrected by exact integer comparisons, so the result is exact.
   */
  long floorDivT(long xm, long xf, long max) {
    double estimate = ((double) xm * c + xf) / ((double) q * c + r);
    long n = estimate >= max ? max : Math.max(0, (long) estimate);
    while (n > 0 && exceeds(n, xm, xf)) {
      n--;
    }
    while (n < max && !exceeds(n + 1, xm, xf)) {
      n++;
    }
    return n;
  }
}
