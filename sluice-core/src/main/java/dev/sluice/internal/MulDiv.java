package dev.sluice.internal;

import java.math.BigInteger;

/** Exact {@code floor(a × b / d)} and {@code ceil(a × b / d)} for non-negative operands. */
final class MulDiv {
  private MulDiv() {}

  static long floor(long a, long b, long d) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / d;
    }
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
        .divide(BigInteger.valueOf(d)).longValueExact();
  }

  static long ceil(long a, long b, long d) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / d + (lo % d == 0 ? 0 : 1);
    }
    BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
        .divideAndRemainder(BigInteger.valueOf(d));
    return qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
  }
}
