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

  Gcra(Limit limit) {
    super(limit);
    this.b = limit.burst();
  }

  @Override
  public void evaluate(long @Nullable [] s, long now, long k, Outcome out) {
    Rate t = new Rate(c, p);
    long xm = now; // x = max(tat, now)
    long xf = 0;
    if (s != null && Rate.compare(s[0], s[1], now, 0) > 0) {
      xm = s[0];
      xf = s[1];
    }
    long dm = xm - now; // debt d = x - now >= 0
    long df = xf;
    if (k > b) {
      out.deny(remaining(t, dm, df), Rate.ceil(dm, df), Long.MAX_VALUE);
      return;
    }
    t.times(b - k);
    long am = t.m; // d may be at most (b - k) × T
    long af = t.f;
    if (Rate.compare(dm, df, am, af) <= 0) {
      t.times(k);
      long nm = dm + t.m;
      long nf = df + t.f;
      if (nf >= c) {
        nf -= c;
        nm++;
      }
      out.allow(remaining(t, nm, nf), Rate.ceil(nm, nf));
      out.propose(now + nm, nf, 0);
    } else {
      long rm = dm - am;
      long rf = df - af;
      if (rf < 0) {
        rf += c;
        rm--;
      }
      out.deny(remaining(t, dm, df), Rate.ceil(dm, df), Rate.ceil(rm, rf));
    }
  }

  /** floor((b×T - d) / T): whole permits a request could still take now. */
  private long remaining(Rate t, long dm, long df) {
    t.times(b);
    long m = t.m - dm;
    long f = t.f - df;
    if (f < 0) {
      f += c;
      m--;
    }
    if (m < 0) {
      return 0;
    }
    return t.floorDivT(m, f, b);
  }
}
