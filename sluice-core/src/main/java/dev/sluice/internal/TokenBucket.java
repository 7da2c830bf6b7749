package dev.sluice.internal;

import dev.sluice.Limit;
import org.jspecify.annotations.Nullable;

/**
 * Token bucket. State {@code [tokens, base, baseFraction]}: whole tokens, and the exact time
 * {@code base + baseFraction / count} from which the next token accrues. No state = a full bucket.
 * A reservation into debt leaves negative tokens: the permits promised before they accrue. The
 * state is GCRA's in another form: {@code tat = base + (burst - tokens) × T}.
 */
final class TokenBucket extends Transition {
  private final long b;
  private final Rate t;
  private final long maxWait;

  TokenBucket(Limit limit) {
    super(limit);
    this.b = limit.burst();
    this.t = new Rate(c, p);
    this.maxWait = Rate.maxSafeWait(c, p, b);
  }

  @Override
  public int width() {
    return 3;
  }

  @Override
  public long maxWaitMicros() {
    return maxWait;
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, Outcome out) {
    evaluate(s, o, now, k, 0, out);
  }

  @Override
  public void evaluate(long @Nullable [] s, int o, long now, long k, long maxWaitMicros,
      Outcome out) {
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
        // (In debt, tok < 0, nothing is usable either way.)
        bm = lm;
        bf = lf;
        avail = tok < 0 ? tok : tok - t.ceilDivT(lm - now, lf, tok + 1); // ceil((base - now) / T)
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
      // ceil(base + need × T) - now = ceil(debt + k×T - b×T): when the permits are due.
      long wait = t.ceilSum(bm, bf, t.micros(need), t.fraction(need)) - now;
      if (wait <= Math.min(maxWaitMicros, maxWait)) { // into debt: tokens go negative
        tok -= k;
        out.reserve(timeToFull(tok, bm, bf, now), wait);
        out.propose(tok, bm, bf);
      } else {
        out.deny(Math.max(0, avail), timeToFull(tok, bm, bf, now), wait);
      }
    }
  }

  /**
   * Takes {@code k} into debt: tokens go below zero, at most until the permits in debt are due
   * {@link #maxWaitMicros()} from now ({@code base + (k - tokens) × T <= now + maxWait}).
   */
  @Override
  public long[] past(long @Nullable [] s, int o, long now, long k) {
    Outcome out = new Outcome();
    evaluate(s, o, now, 0, out); // the bucket brought up to now
    long tok = out.s0;
    long bm = out.s1;
    long bf = out.s2;
    long xm = now + maxWait - bm; // now + maxWait - base, as (xm, xf)
    long xf = 0;
    if (bf != 0) {
      xm--;
      xf = t.c - bf;
    }
    long most = tok < 0 && k > Long.MAX_VALUE + tok ? Long.MAX_VALUE : Math.max(0, k - tok);
    long need = xm < 0 ? 0 : t.floorDivT(xm, xf, most);
    long taken = Math.max(0, Math.min(k, tok + need));
    long[] r = s != null ? s : new long[o + 3];
    r[o] = tok - taken;
    r[o + 1] = bm;
    r[o + 2] = bf;
    return r;
  }

  /**
   * Brings the bucket up to now, then: fewer than {@code burst} tokens after the refund keep the
   * base; otherwise the theoretical arrival time {@code tat' = max(now, tat - k×T)} is held as
   * {@code burst - 1} tokens from {@code tat' - T} (the same state GCRA holds, also for a clock
   * that later moves back).
   */
  @Override
  public boolean refund(long @Nullable [] s, int o, long now, long k) {
    if (s == null || s[o] >= b) {
      return false;
    }
    long tok = s[o];
    long bm = s[o + 1];
    long bf = s[o + 2];
    if (Rate.compare(now, 0, bm, bf) > 0) { // bring the bucket up to now, as evaluate does
      long em = bf == 0 ? now - bm : now - bm - 1;
      long ef = bf == 0 ? 0 : t.c - bf;
      if (!t.exceeds(b - tok, em, ef)) {
        return false; // full: no state, nothing to give back
      }
      long n = t.floorDivT(em, ef, b - tok);
      tok += n;
      bm += t.micros(n);
      bf += t.fraction(n);
      if (bf >= t.c) {
        bf -= t.c;
        bm++;
      }
    }
    if (k < b - tok) {
      if (k > 0) {
        s[o] = tok + k;
        s[o + 1] = bm;
        s[o + 2] = bf;
      }
      return true;
    }
    // tat - k×T = base - j×T: later than now only when the clock is behind the base.
    long j = k - (b - tok);
    boolean held = Rate.compare(bm, bf, now, 0) > 0 && t.lessThan(j, bm - now, bf);
    s[o] = b - 1;
    if (held) { // tat' = base - j×T, so base' = base - (j + 1)×T
      s[o + 1] = bm;
      s[o + 2] = bf;
      t.subtract(s, o + 1, j + 1);
    } else { // tat' = now, so base' = now - T
      s[o + 1] = now;
      s[o + 2] = 0;
      t.subtract(s, o + 1, 1);
    }
    return held;
  }

  /** The deficit: the tokens missing from the burst once the bucket is brought up to now. */
  @Override
  public @Nullable Carry carry(long @Nullable [] s, int o, long now) {
    if (s == null) {
      return null;
    }
    Outcome out = new Outcome();
    evaluate(s, o, now, 0, out);
    return Carry.of(limit, b - out.s0);
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
