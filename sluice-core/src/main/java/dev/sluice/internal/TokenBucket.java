package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Token bucket. State {@code [tokens, base, baseFraction]}: whole tokens, and the exact time
 * {@code base + baseFraction / count} from which the next token accrues. No state = a full bucket.
 */
final class TokenBucket extends Transition {
  private final long b;
  private final Rate t;

  TokenBucket(Limit limit) {
    super(limit);
    this.b = limit.burst();
    this.t = new Rate(c, p);
  }

  @Override
  public int width() {
    return 3;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    long tok = b;
    long bm = now; // base = (bm, bf)
    long bf = 0;
    long avail = b; // tokens usable now: tok, less any not yet accrued (clock behind the base)
    if (s != null && s[o] < b) {
      tok = s[o];
      avail = tok;
      long lm = s[o + 1];
      long lf = s[o + 2];
      if (Rate.compare(now, 0, lm, lf) <= 0) {
        // The clock is at or behind the base (it moved back): nothing accrued, and the tokens
        // due between now and the base are not there yet — exactly what GCRA's debt says.
        bm = lm;
        bf = lf;
        avail = tok - t.ceilDivT(lm - now, lf, tok + 1); // ceil((base - now) / T)
      } else {
        long em = lf == 0 ? now - lm : now - lm - 1; // elapsed = now - base, exact
        long ef = lf == 0 ? 0 : t.c - lf;
        if (!t.exceeds(b - tok, em, ef)) {
          tok = b; // refilled
        } else {
          long n = t.floorDivT(em, ef, b - tok);
          tok += n;
          bm = lm + t.micros(n);
          bf = lf + t.fraction(n);
          if (bf >= t.c) {
            bf -= t.c;
            bm++;
          }
        }
        avail = tok;
      }
    }
    if (k > b) {
      out.deny(Math.max(0, avail), timeToFull(tok, bm, bf, now), Long.MAX_VALUE);
    } else if (k <= avail || k == 0) {
      tok -= k;
      out.allow(Math.max(0, avail - k), timeToFull(tok, bm, bf, now));
      out.propose(tok, bm, bf);
    } else {
      long need = k - tok;
      out.deny(Math.max(0, avail), timeToFull(tok, bm, bf, now),
          t.ceilSum(bm, bf, t.micros(need), t.fraction(need)) - now);
    }
  }

  /** Microseconds until {@code tokens} accrued from base reach the burst. */
  private long timeToFull(long tokens, long bm, long bf, long now) {
    if (tokens >= b) {
      return 0;
    }
    long missing = b - tokens;
    return Math.max(0, t.ceilSum(bm, bf, t.micros(missing), t.fraction(missing)) - now);
  }
}
