package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Token bucket. State {@code [tokens, base, baseFraction]}: whole tokens, and the exact time
 * {@code base + baseFraction / count} from which the next token accrues. No state = a full bucket.
 */
final class TokenBucket extends Transition {
  private final long b;

  TokenBucket(Limit limit) {
    super(limit);
    this.b = limit.burst();
  }

  @Override
  public void evaluate(long @Nullable [] s, long now, long k, Outcome out) {
    Rate t = new Rate(c, p); // scratch: transitions are shared between threads
    long tok;
    long bm;
    long bf;
    if (s == null) {
      tok = b;
      bm = now;
      bf = 0;
    } else {
      tok = s[0];
      long lm = s[1];
      long lf = s[2];
      if (Rate.compare(now, 0, lm, lf) <= 0) {
        bm = lm; // the clock is at or behind the base: nothing accrued
        bf = lf;
      } else {
        long em = lf == 0 ? now - lm : now - lm - 1; // elapsed = now - base, exact
        long ef = lf == 0 ? 0 : c - lf;
        t.times(b - tok);
        if (Rate.compare(em, ef, t.m, t.f) >= 0) {
          tok = b;
          bm = now;
          bf = 0;
        } else {
          long n = t.floorDivT(em, ef, b - tok);
          t.times(n);
          tok += n;
          bm = lm + t.m;
          bf = lf + t.f;
          if (bf >= c) {
            bf -= c;
            bm++;
          }
        }
      }
    }
    if (k > b) {
      out.deny(tok, timeToFull(t, tok, bm, bf, now), Long.MAX_VALUE);
    } else if (k <= tok) {
      tok -= k;
      out.allow(tok, timeToFull(t, tok, bm, bf, now));
      out.propose(tok, bm, bf);
    } else {
      t.times(k - tok);
      long retry = ceilSum(bm, bf, t) - now;
      out.deny(tok, timeToFull(t, tok, bm, bf, now), retry);
    }
  }

  /** Microseconds until {@code tokens} accrued from base reach the burst. */
  private long timeToFull(Rate t, long tokens, long bm, long bf, long now) {
    if (tokens >= b) {
      return 0;
    }
    t.times(b - tokens);
    return Math.max(0, ceilSum(bm, bf, t) - now);
  }

  /** ceil((bm + bf/c) + (t.m + t.f/c)). */
  private long ceilSum(long bm, long bf, Rate t) {
    long m = bm + t.m;
    long f = bf + t.f;
    if (f >= c) {
      f -= c;
      m++;
    }
    return Rate.ceil(m, f);
  }
}
