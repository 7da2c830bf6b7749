package dev.sluice.internal;

/**
 * Exact arithmetic on times that are multiples of the emission interval {@code T = period / count},
 * which is rarely a whole number of microseconds. A time is a pair {@code (m, f)} meaning
 * {@code m + f / count} µs with {@code 0 <= f < count}; with {@code T = q + r / count} every
 * product {@code n × T} for {@code n <= burst} stays below 2^53.
 */
final class Rate {
  final long c;
  final long q;
  final long r;
  /** Result slots of the last operation (m, f); callers read them right away. */
  long m;
  long f;

  Rate(long count, long periodMicros) {
    this.c = count;
    this.q = periodMicros / count;
    this.r = periodMicros % count;
  }

  /** Sets (m, f) to {@code n × T}. */
  void times(long n) {
    long nr = n * r;
    m = n * q + nr / c;
    f = nr % c;
  }

  /** Compares {@code (m1, f1)} with {@code (m2, f2)}. */
  static int compare(long m1, long f1, long m2, long f2) {
    return m1 != m2 ? Long.compare(m1, m2) : Long.compare(f1, f2);
  }

  /** The smallest whole microsecond at or after {@code (m, f)}. */
  static long ceil(long m, long f) {
    return f > 0 ? m + 1 : m;
  }

  /**
   * {@code floor((m + f/c) / T)} for a non-negative time known to be below {@code (max + 1) × T}.
   * A floating-point estimate corrected by exact integer comparisons, so the result is exact.
   */
  long floorDivT(long xm, long xf, long max) {
    double estimate = ((double) xm * c + xf) / ((double) q * c + r);
    long n = estimate >= max ? max : Math.max(0, (long) estimate);
    times(n);
    while (n > 0 && compare(m, f, xm, xf) > 0) {
      n--;
      times(n);
    }
    while (n < max) {
      times(n + 1);
      if (compare(m, f, xm, xf) > 0) {
        break;
      }
      n++;
    }
    return n;
  }
}
