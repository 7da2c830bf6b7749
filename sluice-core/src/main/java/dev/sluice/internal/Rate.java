package dev.sluice.internal;

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

  Rate(long count, long periodMicros) {
    long g = gcd(periodMicros, count);
    this.c = count / g;
    this.q = periodMicros / count;
    this.r = periodMicros % count / g;
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
