package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * GCRA, the virtual-scheduling form of the leaky bucket. State {@code [tat, tatFraction]}: the
 * theoretical arrival time {@code tat + tatFraction / count}. A request of k permits is admitted
 * when {@code max(tat, now) + k×T - now <= burst×T}. Same admissions as {@link TokenBucket}.
 */
final class Gcra extends Transition {
  private final long b;
  private final Rate t;
  private final long maxWait;

  Gcra(Limit limit) {
    super(limit);
    this.b = limit.burst();
    this.t = new Rate(c, p);
    this.maxWait = Rate.maxSafeWait(c, p, b);
  }

  @Override
  public long maxWaitMicros() {
    return maxWait;
  }

  @Override
  public int width() {
    return 2;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    evaluate(s, o, now, k, 0, out);
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, long maxWaitMicros,
      Outcome out) {
    long dm = 0; // debt d = max(tat, now) - now >= 0, as (dm, df)
    long df = 0;
    if (s != null && Rate.compare(s[o], s[o + 1], now, 0) > 0) {
      dm = s[o] - now;
      df = s[o + 1];
    }
    if (k > b) {
      out.deny(remaining(dm, df), Rate.ceil(dm, df), Long.MAX_VALUE);
      return;
    }
    long am = t.micros(b - k); // admitted iff d <= (b - k) × T
    long af = t.fraction(b - k);
    if (k == 0) { // a pure check: always allowed, even when a clock that moved back left debt
      out.allow(remaining(dm, df), Rate.ceil(dm, df));
    } else if (Rate.compare(dm, df, am, af) <= 0) {
      long nm = dm + t.micros(k);
      long nf = df + t.fraction(k);
      if (nf >= t.c) {
        nf -= t.c;
        nm++;
      }
      out.allow(remaining(nm, nf), Rate.ceil(nm, nf));
      out.propose(now + nm, nf, 0);
    } else {
      long rm = dm - am; // wait = d - (b - k) × T > 0
      long rf = df - af;
      if (rf < 0) {
        rf += t.c;
        rm--;
      }
      long wait = Rate.ceil(rm, rf);
      if (wait <= Math.min(maxWaitMicros, maxWait)) { // into debt: tat' = tat + k×T
        long nm = dm + t.micros(k);
        long nf = df + t.fraction(k);
        if (nf >= t.c) {
          nf -= t.c;
          nm++;
        }
        out.reserve(Rate.ceil(nm, nf), wait);
        out.propose(now + nm, nf, 0);
      } else {
        out.deny(remaining(dm, df), Rate.ceil(dm, df), wait);
      }
    }
  }

  /**
   * {@code tat' = max(tat, now) + k×T}, at most until the permits in debt are due {@link
   * #maxWaitMicros()} from now ({@code d' <= b×T + maxWait}).
   */
  @Override
  public long[] past(long @Nullable [] s, int o, long now, long k) {
    long dm = 0;
    long df = 0;
    if (s != null && Rate.compare(s[o], s[o + 1], now, 0) > 0) {
      dm = s[o] - now;
      df = s[o + 1];
    }
    long xm = t.micros(b) + maxWait - dm; // b×T + maxWait - d
    long xf = t.fraction(b) - df;
    if (xf < 0) {
      xf += t.c;
      xm--;
    }
    long taken = xm < 0 ? 0 : t.floorDivT(xm, xf, k);
    long nm = dm + t.micros(taken);
    long nf = df + t.fraction(taken);
    if (nf >= t.c) {
      nf -= t.c;
      nm++;
    }
    long[] r = s != null ? s : new long[o + 2];
    if (taken > 0) {
      r[o] = now + nm;
      r[o + 1] = nf;
    }
    return r;
  }

  /** The deficit: {@code ceil(debt / T)}, the permits until the theoretical arrival time is now. */
  @Override
  public @Nullable Carry carry(long @Nullable [] s, int o, long now) {
    if (s == null || Rate.compare(s[o], s[o + 1], now, 0) <= 0) {
      return null;
    }
    return Carry.of(limit, t.ceilDivT(s[o] - now, s[o + 1], 1L << 53));
  }

  /** {@code tat' = max(now, tat - k×T)}; a tat at or before now is no state, left as it is. */
  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    if (s == null || Rate.compare(s[o], s[o + 1], now, 0) <= 0) {
      return false;
    }
    if (k == 0) {
      return true;
    }
    if (t.lessThan(k, s[o] - now, s[o + 1])) {
      t.subtract(s, o, k);
      return true;
    }
    s[o] = now;
    s[o + 1] = 0;
    return false;
  }

  /** floor((b×T - d) / T): whole permits a request could still take now. */
  private long remaining(long dm, long df) {
    long m = t.micros(b) - dm;
    long f = t.fraction(b) - df;
    if (f < 0) {
      f += t.c;
      m--;
    }
    return m < 0 ? 0 : t.floorDivT(m, f, b);
  }
}
