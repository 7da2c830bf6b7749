package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Transition;
import dev.sluice.internal.UpTo;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A slow, single-threaded reference of every operation of {@link KeyedLimits}, written from
 * {@code /work/SEMANTICS.md} independently of the Lua port, to compare the Redis backend against
 * while the in-memory backend's reserve/refund/reset are not available.
 *
 * <ul>
 *   <li>Bucket limits (token bucket and GCRA, which answer identically) are modelled in GCRA form
 *       with exact rationals: the theoretical arrival time times {@code c} as a {@link
 *       BigInteger}. Their acquire answers are the formulas of {@code docs/algorithms.md}, so
 *       they also check the Lua token bucket against GCRA's answers after debts and refunds.
 *   <li>Window limits use the core transitions ({@link Transition#evaluate}, {@link
 *       Transition#commit}) on their documented state layouts, and the spec's refund rules.
 *   <li>A refund after which every limit's state equals "no state" (every zero-permit check has
 *       {@code resetAfter == 0}) forgets the key, as the memory backend and Redis do.
 * </ul>
 */
final class ReferenceLimits implements KeyedLimits {

  private static final BigInteger TWO52 = BigInteger.ONE.shiftLeft(52);
  private static final BigInteger TWO53 = BigInteger.ONE.shiftLeft(53);

  private final Clock clock;
  private final List<Limit> limits;
  private final Transition[] transitions;
  private final Bucket[] buckets;
  private final Map<String, Object[]> keys = new HashMap<>();

  ReferenceLimits(Clock clock, List<Limit> limits) {
    this.clock = clock;
    this.limits = List.copyOf(limits);
    this.transitions = new Transition[limits.size()];
    this.buckets = new Bucket[limits.size()];
    for (int i = 0; i < transitions.length; i++) {
      Limit l = limits.get(i);
      transitions[i] = Transition.of(l);
      if (l.algorithm() == Algorithm.TOKEN_BUCKET || l.algorithm() == Algorithm.GCRA) {
        buckets[i] = new Bucket(l);
      }
    }
  }

  @Override
  public List<Limit> limits() {
    return limits;
  }

  /** Whether {@code key} holds state under some limit. */
  boolean hasState(String key) {
    Object[] s = keys.get(key);
    if (s == null) {
      return false;
    }
    for (Object o : s) {
      if (o != null) {
        return true;
      }
    }
    return false;
  }

  /** A bucket limit in GCRA form: times in units of 1/c µs, T = P / c. */
  private static final class Bucket {
    final BigInteger c;
    final BigInteger bigP;
    final long b;
    final BigInteger bP;
    final long maxSafe;

    Bucket(Limit l) {
      long g = gcd(l.periodMicros(), l.count());
      this.c = BigInteger.valueOf(l.count() / g);
      this.bigP = BigInteger.valueOf(l.periodMicros() / g);
      this.b = l.burst();
      this.bP = bigP.multiply(BigInteger.valueOf(b));
      BigInteger first = TWO52.subtract(ceil(bP));
      BigInteger second = TWO53.divide(c).subtract(BigInteger.valueOf(b)).multiply(bigP)
          .divide(c);
      this.maxSafe = first.min(second).max(BigInteger.valueOf(-1)).longValueExact();
    }

    /** ceil(x / c) µs for x >= 0 in units of 1/c µs. */
    long ceilMicros(BigInteger x) {
      return ceil(x).longValueExact();
    }

    BigInteger ceil(BigInteger x) {
      BigInteger[] qr = x.divideAndRemainder(c);
      return qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    }

    BigInteger times(long n) {
      return bigP.multiply(BigInteger.valueOf(n));
    }

    /** Debt d = max(0, tat - now), units 1/c µs. */
    BigInteger debt(BigInteger tat, long now) {
      if (tat == null) {
        return BigInteger.ZERO;
      }
      return tat.subtract(BigInteger.valueOf(now).multiply(c)).max(BigInteger.ZERO);
    }

    long remaining(BigInteger d) {
      return d.compareTo(bP) > 0 ? 0 : bP.subtract(d).divide(bigP).longValueExact();
    }

    /** Acquire's outcome for k; returns the new tat to commit when allowed with k > 0. */
    BigInteger evaluate(BigInteger tat, long now, long k, Outcome out) {
      BigInteger d = debt(tat, now);
      if (k > b) {
        set(out, false, remaining(d), ceilMicros(d), Long.MAX_VALUE);
        return null;
      }
      BigInteger after = d.add(times(k));
      if (k == 0) {
        set(out, true, remaining(d), ceilMicros(d), 0);
        return null;
      }
      if (after.compareTo(bP) <= 0) {
        set(out, true, remaining(after), ceilMicros(after), 0);
        return BigInteger.valueOf(now).multiply(c).add(after);
      }
      set(out, false, remaining(d), ceilMicros(d), ceilMicros(after.subtract(bP)));
      return null;
    }

    /** The tat after taking k in debt (d + k×T from now); fills the admitted outcome. */
    BigInteger debtAdmit(BigInteger tat, long now, long k, Outcome out) {
      BigInteger after = debt(tat, now).add(times(k));
      set(out, true, 0, ceilMicros(after), 0);
      return BigInteger.valueOf(now).multiply(c).add(after);
    }

    /** tat' = max(now, tat - k×T); tat itself when it holds no state (tat <= now). */
    BigInteger refund(BigInteger tat, long now, long k) {
      BigInteger nowC = BigInteger.valueOf(now).multiply(c);
      if (tat == null || tat.compareTo(nowC) <= 0) {
        return tat;
      }
      return tat.subtract(times(k)).max(nowC);
    }
  }

  private static void set(Outcome o, boolean allowed, long remaining, long reset, long retry) {
    o.allowed = allowed;
    o.remaining = remaining;
    o.resetAfter = reset;
    o.retryAfter = retry;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private Object[] state(String key) {
    return keys.computeIfAbsent(key, k -> new Object[transitions.length]);
  }

  private Outcome[] outcomes() {
    Outcome[] outs = new Outcome[transitions.length];
    for (int i = 0; i < outs.length; i++) {
      outs[i] = new Outcome();
    }
    return outs;
  }

  /** Evaluates every limit for k; returns the proposals of bucket limits (null otherwise). */
  private BigInteger[] evaluate(Object[] s, long now, long k, Outcome[] outs) {
    BigInteger[] proposals = new BigInteger[transitions.length];
    for (int i = 0; i < transitions.length; i++) {
      if (buckets[i] != null) {
        proposals[i] = buckets[i].evaluate((BigInteger) s[i], now, k, outs[i]);
      } else {
        transitions[i].evaluate((long[]) s[i], 0, now, k, outs[i]);
      }
    }
    return proposals;
  }

  private void commit(Object[] s, long now, long k, Outcome[] outs, BigInteger[] proposals) {
    for (int i = 0; i < transitions.length; i++) {
      if (buckets[i] != null) {
        s[i] = proposals[i];
      } else if (transitions[i].width() < 0) {
        s[i] = transitions[i].commit((long[]) s[i], 0, now, k, outs[i]);
      } else {
        long[] row = s[i] != null ? (long[]) s[i] : new long[3];
        s[i] = transitions[i].commit(row, 0, now, k, outs[i]);
      }
    }
  }

  @Override
  public Decision acquire(String key, long permits) {
    long now = clock.nowMicros();
    Object[] s = state(key);
    Outcome[] outs = outcomes();
    BigInteger[] proposals = evaluate(s, now, permits, outs);
    if (permits > 0 && Decisions.allAllowed(outs)) {
      commit(s, now, permits, outs, proposals);
    }
    return Decisions.combine(transitions, outs);
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    return CompletableFuture.completedFuture(acquire(key, permits));
  }

  @Override
  public Grant acquireUpTo(String key, long maxPermits) {
    long now = clock.nowMicros();
    Object[] s = state(key);
    Outcome[] outs = outcomes();
    evaluate(s, now, 0, outs);
    long k = UpTo.permits(maxPermits, outs);
    BigInteger[] proposals = evaluate(s, now, k, outs);
    boolean commit = k > 0 && Decisions.allAllowed(outs);
    if (commit) {
      commit(s, now, k, outs, proposals);
    }
    return new Grant(commit ? k : 0, Decisions.combine(transitions, outs));
  }

  @Override
  public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
    return CompletableFuture.completedFuture(acquireUpTo(key, maxPermits));
  }

  @Override
  public Reservation reserve(String key, long permits, long maxWaitMicros) {
    long now = clock.nowMicros();
    Object[] s = state(key);
    Outcome[] outs = outcomes();
    BigInteger[] proposals = evaluate(s, now, permits, outs);
    if (Decisions.allAllowed(outs)) {
      if (permits > 0) {
        commit(s, now, permits, outs, proposals);
      }
      return Reservation.immediate(Decisions.combine(transitions, outs));
    }
    for (int i = 0; i < outs.length; i++) {
      Outcome o = outs[i];
      if (!o.allowed && (buckets[i] == null || o.retryAfter == Long.MAX_VALUE
          || o.retryAfter > Math.min(maxWaitMicros, buckets[i].maxSafe))) {
        return Reservation.immediate(Decisions.combine(transitions, outs)); // acquire's denial
      }
    }
    long wait = 0;
    for (int i = 0; i < outs.length; i++) {
      if (!outs[i].allowed) {
        wait = Math.max(wait, outs[i].retryAfter);
        proposals[i] = buckets[i].debtAdmit((BigInteger) s[i], now, permits, outs[i]);
      }
    }
    commit(s, now, permits, outs, proposals);
    return new Reservation(Decisions.combine(transitions, outs), wait);
  }

  @Override
  public CompletionStage<Reservation> reserveAsync(String key, long permits, long maxWait) {
    return CompletableFuture.completedFuture(reserve(key, permits, maxWait));
  }

  @Override
  public Decision refund(String key, long permits) {
    long now = clock.nowMicros();
    Object[] s = keys.get(key);
    if (s == null) { // nothing is created
      Outcome[] outs = outcomes();
      evaluate(new Object[transitions.length], now, 0, outs);
      return Decisions.combine(transitions, outs);
    }
    for (int i = 0; i < transitions.length && permits > 0; i++) {
      s[i] = refund(i, s[i], now, permits);
    }
    Outcome[] outs = outcomes();
    evaluate(s, now, 0, outs);
    long longest = 0;
    for (Outcome o : outs) {
      longest = Math.max(longest, o.resetAfter);
    }
    if (permits > 0 && longest == 0) {
      keys.remove(key); // every limit is at "no state": the key is forgotten
    }
    return Decisions.combine(transitions, outs);
  }

  /** Limit i's state after giving k > 0 back (the same object when unchanged). */
  private Object refund(int i, Object state, long now, long k) {
    if (buckets[i] != null) {
      return buckets[i].refund((BigInteger) state, now, k);
    }
    if (state == null) {
      return null;
    }
    long[] s = (long[]) state;
    long p = limits.get(i).periodMicros();
    long windowStart = now - Math.floorMod(now, p);
    switch (limits.get(i).algorithm()) {
      case FIXED_WINDOW -> { // [windowStart, used]
        if (s[0] < windowStart || s[1] == 0) {
          return s;
        }
        long[] r = s.clone();
        r[1] = Math.max(0, s[1] - k);
        return r;
      }
      case SLIDING_WINDOW_COUNTER -> { // [windowStart, previous, current]
        if (s[0] < windowStart || s[2] == 0) {
          return s;
        }
        long[] r = s.clone();
        r[2] = Math.max(0, s[2] - k);
        return r;
      }
      case SLIDING_WINDOW_LOG -> { // [head, tail, t0, n0, ...]
        int head = (int) s[0];
        int tail = (int) s[1];
        if (tail <= head || s[tail - 2] <= now - p) {
          return s;
        }
        long[] r = s.clone();
        long left = k;
        while (left > 0 && tail > head && r[tail - 2] > now - p) {
          long n = r[tail - 1];
          if (n <= left) {
            left -= n;
            tail -= 2;
          } else {
            r[tail - 1] = n - left;
            left = 0;
          }
        }
        r[1] = tail;
        return r;
      }
      default -> throw new IllegalStateException();
    }
  }

  @Override
  public CompletionStage<Decision> refundAsync(String key, long permits) {
    return CompletableFuture.completedFuture(refund(key, permits));
  }

  @Override
  public void reset(String key) {
    keys.remove(key);
  }

  @Override
  public CompletionStage<Void> resetAsync(String key) {
    reset(key);
    return CompletableFuture.completedFuture(null);
  }
}
