package dev.sluice.internal;

import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.spi.Backend;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Part;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The compensating protocol of an all-or-nothing acquisition ({@link
 * Backend#acquireAllAsync}): groups of parts, each taken atomically by its backend, are taken one
 * after another in a fixed order; the first group refused stops it and the groups already taken
 * are refunded part by part. The default backend takes each part on its own; a backend that can
 * make several parts atomic together (Redis, keys on one node) passes bigger groups.
 */
public final class Compensation {

  private Compensation() {}

  /** Parts that a backend takes in one atomic step. */
  public interface Group {

    /** Indexes of the group's parts in the request, in the order of {@link #take()}'s answer. */
    int[] parts();

    /**
     * Takes every part of the group or none, atomically. One decision per part: all allowed when
     * taken; otherwise nothing was taken, the parts without room report their denial and the
     * others their state (as {@link Backend#acquireAllAsync} reports a refusal).
     */
    CompletionStage<List<Decision>> take();

    /** What {@link #take()} would answer for a refusal, taking nothing. */
    CompletionStage<List<Decision>> probe();
  }

  /**
   * The indexes of {@code parts} in the order they are acquired: by key, then by the identity of
   * their limits (algorithm, count, period, burst, name), then as given; the same in every
   * process.
   */
  public static int[] order(List<Part> parts) {
    Integer[] idx = new Integer[parts.size()];
    String[] ids = new String[parts.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
      ids[i] = identity(parts.get(i).limits().limits());
    }
    Arrays.sort(idx, (a, b) -> {
      int c = parts.get(a).key().compareTo(parts.get(b).key());
      return c != 0 ? c : ids[a].compareTo(ids[b]);
    });
    int[] out = new int[idx.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = idx[i];
    }
    return out;
  }

  private static String identity(List<Limit> limits) {
    StringBuilder sb = new StringBuilder();
    for (Limit l : limits) {
      sb.append(l.algorithm().ordinal()).append(':').append(l.count()).append(':')
          .append(l.periodMicros()).append(':').append(l.burst()).append(':').append(l.name())
          .append(';');
    }
    return sb.toString();
  }

  /** The default protocol: every part a group of its own, in {@link #order} order. */
  public static CompletionStage<List<Decision>> perPart(List<Part> parts) {
    check(parts);
    List<Group> groups = new ArrayList<>(parts.size());
    for (int i : order(parts)) {
      groups.add(single(parts.get(i), i));
    }
    return run(parts, groups);
  }

  /** Rejects an empty or null list of parts. */
  public static void check(List<Part> parts) {
    Objects.requireNonNull(parts, "parts must not be null");
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("parts must not be empty");
    }
    for (int i = 0; i < parts.size(); i++) {
      Objects.requireNonNull(parts.get(i), "parts[" + i + "] must not be null");
    }
  }

  /** One part taken with {@link KeyedLimits#acquireAsync}. */
  private static Group single(Part part, int index) {
    return new Group() {
      @Override
      public int[] parts() {
        return new int[] {index};
      }

      @Override
      public CompletionStage<List<Decision>> take() {
        return part.limits().acquireAsync(part.key(), part.permits()).thenApply(List::of);
      }

      @Override
      public CompletionStage<List<Decision>> probe() {
        return Compensation.probe(part).thenApply(List::of);
      }
    };
  }

  /**
   * A part's report without taking: its zero-permit state when it has room for its permits, else
   * the denial of its permits (exact retry). An admission that raced in is refunded at once.
   */
  public static CompletionStage<Decision> probe(Part part) {
    KeyedLimits l = part.limits();
    long k = part.permits();
    CompletionStage<Decision> check = l.acquireAsync(part.key(), 0);
    if (k == 0) {
      return check;
    }
    return check.thenCompose(c -> {
      if (c.allowed() && c.remaining() >= k) {
        return CompletableFuture.completedFuture(c);
      }
      return l.acquireAsync(part.key(), k).thenCompose(d -> d.allowed() && !d.degraded()
          ? refund(part, d) : CompletableFuture.completedFuture(d));
    });
  }

  /**
   * Takes the groups in the order given: each after the previous one was taken. On the first
   * refusal, the parts taken are refunded and the groups not reached are probed. A group that
   * fails exceptionally fails the whole, after the refunds.
   */
  public static CompletionStage<List<Decision>> run(List<Part> parts, List<Group> groups) {
    Decision[] out = new Decision[parts.size()];
    CompletableFuture<List<Decision>> result = new CompletableFuture<>();
    guarded(() -> step(parts, groups, 0, out, result), result);
    return result;
  }

  /** Runs {@code work}; whatever it throws fails {@code result} rather than leave it pending. */
  private static void guarded(Runnable work, CompletableFuture<?> result) {
    try {
      work.run();
    } catch (RuntimeException | Error e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * Takes groups from {@code g} on. A group answered at once (an in-memory store) is handled in
   * this loop, so a request of thousands of parts does not nest a call per part; one answered
   * later continues from its callback.
   */
  private static void step(List<Part> parts, List<Group> groups, int g, Decision[] out,
      CompletableFuture<List<Decision>> result) {
    for (int at = g; ; at++) {
      if (at == groups.size()) {
        result.complete(Arrays.asList(out));
        return;
      }
      Group group = groups.get(at);
      CompletableFuture<List<Decision>> taking;
      try {
        taking = group.take().toCompletableFuture();
      } catch (RuntimeException e) {
        taking = CompletableFuture.failedFuture(e);
      }
      if (!taking.isDone()) {
        int here = at;
        taking.whenComplete((ds, error) -> guarded(() -> {
          if (taken(parts, groups, here, ds, error, out, result)) {
            step(parts, groups, here + 1, out, result);
          }
        }, result));
        return;
      }
      List<Decision> ds = null;
      Throwable error = null;
      try {
        ds = taking.join();
      } catch (CompletionException | CancellationException e) {
        error = e.getCause() != null ? e.getCause() : e;
      }
      if (!taken(parts, groups, at, ds, error, out, result)) {
        return;
      }
    }
  }

  /**
   * Records group {@code g}'s answer; true when it was taken and the next group follows. On a
   * refusal or a failure, refunds the groups taken before it, probes the groups after it and
   * completes {@code result}.
   */
  private static boolean taken(List<Part> parts, List<Group> groups, int g,
      @Nullable List<Decision> ds, @Nullable Throwable error, Decision[] out,
      CompletableFuture<List<Decision>> result) {
    if (error != null || ds == null) {
      Throwable cause = error == null ? new IllegalStateException("no answer")
          : error instanceof CompletionException && error.getCause() != null ? error.getCause()
          : error;
      undo(parts, groups, g, out).whenComplete((x, y) -> result.completeExceptionally(cause));
      return false;
    }
    int[] idx = groups.get(g).parts();
    boolean all = true;
    for (int j = 0; j < idx.length; j++) {
      out[idx[j]] = ds.get(j);
      all &= ds.get(j).allowed();
    }
    if (all) {
      return true;
    }
    List<CompletableFuture<?>> pending = new ArrayList<>();
    pending.add(undo(parts, groups, g, out));
    for (int h = g + 1; h < groups.size(); h++) {
      pending.add(probe(groups.get(h), parts, out));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture<?>[]::new))
        .whenComplete((x, y) -> result.complete(Arrays.asList(out)));
    return false;
  }

  /** Refunds the parts of groups {@code 0..g-1}, each reporting what its refund answered. */
  private static CompletableFuture<Void> undo(List<Part> parts, List<Group> groups, int g,
      Decision[] out) {
    List<CompletableFuture<?>> refunds = new ArrayList<>();
    for (int h = 0; h < g; h++) {
      for (int i : groups.get(h).parts()) {
        Part p = parts.get(i);
        Decision taken = out[i];
        refunds.add(refund(p, taken).toCompletableFuture().thenAccept(d -> out[i] = d));
      }
    }
    return CompletableFuture.allOf(refunds.toArray(CompletableFuture<?>[]::new));
  }

  /**
   * Gives a part's permits back; answers the refund's zero-permit check, or the decision that
   * took them, flagged degraded, when the refund failed (they stay taken until they refill or
   * expire). A part admitted by a failure policy (a degraded admission) is not refunded: the store
   * did not confirm taking its permits, and giving back permits it never took would hand them to
   * other requests; if the store did take them, they stay taken until they refill or expire.
   */
  private static CompletionStage<Decision> refund(Part p, Decision taken) {
    if (p.permits() == 0 || taken.degraded()) {
      return CompletableFuture.completedFuture(taken);
    }
    CompletionStage<Decision> r;
    try {
      r = p.limits().refundAsync(p.key(), p.permits());
    } catch (RuntimeException e) {
      r = CompletableFuture.failedFuture(e);
    }
    return r.handle((d, error) -> error == null ? d
        : taken.asDegraded(Decision.Reason.BACKEND_UNAVAILABLE));
  }

  /**
   * Fills the group's reports from its probe; a probe that fails reports each part as a degraded
   * admission of its first limit (its state is unknown; nothing was taken).
   */
  private static CompletableFuture<Void> probe(Group group, List<Part> parts, Decision[] out) {
    int[] idx = group.parts();
    CompletionStage<List<Decision>> p;
    try {
      p = group.probe();
    } catch (RuntimeException e) {
      p = CompletableFuture.failedFuture(e);
    }
    return p.toCompletableFuture().handle((ds, error) -> {
      for (int j = 0; j < idx.length; j++) {
        out[idx[j]] = error == null ? ds.get(j) : Decision.degraded(true,
            Decision.Reason.BACKEND_UNAVAILABLE, parts.get(idx[j]).limits().limits().get(0));
      }
      return null;
    });
  }
}
