package dev.sluice.redis;

import dev.sluice.Algorithm;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limit;
import dev.sluice.Settlement;
import dev.sluice.internal.Decisions;
import dev.sluice.internal.Outcome;
import dev.sluice.internal.Transition;
import dev.sluice.spi.Grant;
import dev.sluice.spi.KeyedLimits;
import dev.sluice.spi.Reservation;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One limiter's limits evaluated in Redis by one script call per batch of decisions.
 *
 * <p><b>Coalescing.</b> Requests go through a lane (one for a single server, one per slot in a
 * Cluster, since a script only sees keys of one slot). A lane has at most one script call in
 * flight; requests arriving meanwhile queue and leave together in the next call, which evaluates
 * them in arrival order, each exactly as if alone. No timer: a request finding its lane idle is
 * sent at once. Under load, each call carries many decisions, so Redis runs one script per batch
 * instead of one per decision.
 *
 * <p><b>Operations.</b> Acquire, take-up-to, reserve, refund, record (past the limit), hold,
 * settle and reset are all requests of the same
 * script ({@code decide.lua}), told apart by their operation argument, and all go through the
 * lanes: a key's requests reach Redis in the order they were made. When Redis cannot answer,
 * acquire, take-up-to, reserve, refund, record and hold are answered by the failure policy
 * (flagged degraded; a degraded hold holds nothing); a reset or settle completes exceptionally
 * with {@link RedisUnavailableException} (see {@code docs/redis.md}).
 */
final class RedisLimits implements KeyedLimits {

  private static final int ARGS_PER_LIMIT = 4;
  private static final int HEADER_ARGS = 2;
  private static final int MAX_BATCH = 64;
  /** Waits beyond this are beyond every limit's exact bound (2^52 µs): sent capped, exact in Lua. */
  private static final long MAX_WAIT_ARG = 1L << 53;
  /** Permits past the limit beyond this are beyond every limit's bound: sent capped. */
  private static final long MAX_PAST_ARG = (1L << 53) - 1;

  private final RedisBackend backend;
  private final List<Limit> limits;
  private final Set<Algorithm> algorithms;
  private final Transition[] transitions;
  /** The smallest capacity of the limits: the most one request can ever take. */
  private final long capacity;
  /** Whether some limit is a bucket (token bucket, GCRA), the only kind that reserves in debt. */
  private final boolean debtPossible;
  private final KeyLayout layout;
  private final Script script;
  /** ARGV before the per-request (time, permits) pairs. */
  private final String[] header;
  /**
   * Per limit, the windows of its calendar period (null for a limit without one): that limit's
   * period argument is written per script call.
   */
  private final @Nullable CalendarBounds[] calendars;
  private final boolean anyCalendar;
  private final @Nullable KeyedLimits fallback;
  private final boolean perSlot;
  /** The most a warm-up request (and script call) waits for Redis, ns; others ask the backend. */
  private final long warmUpTimeoutNanos;
  /**
   * A limiter of the warm-up ({@link WarmUp}): its requests skip the circuit breaker, wait the
   * warm-up's timeout, and fail instead of being answered by the failure policy; they are not
   * counted as failures or degraded decisions.
   */
  private final boolean warmUp;
  /** The backend's clock, or the system's: the over-limit cache's times. */
  private final Clock client;
  private final Lane single = new Lane();
  /** Where keys' states move from, while they can matter; null when none. */
  private volatile @Nullable Inheritance inheritance;
  private final ConcurrentHashMap<Integer, Lane> slots = new ConcurrentHashMap<>();

  RedisLimits(RedisBackend backend, List<Limit> limits, @Nullable KeyedLimits fallback) {
    this(backend, limits, fallback, 0, false);
  }

  /** The most a request (and a script call) made now waits for Redis, ns. */
  long timeoutNanos() {
    return warmUp ? warmUpTimeoutNanos : backend.decisionTimeoutNanos();
  }

  /** A limiter for {@link WarmUp}: see {@link #warmUp}. */
  static RedisLimits forWarmUp(RedisBackend backend, List<Limit> limits, long timeoutNanos) {
    return new RedisLimits(backend, limits, null, timeoutNanos, true);
  }

  private RedisLimits(RedisBackend backend, List<Limit> limits, @Nullable KeyedLimits fallback,
      long timeoutNanos, boolean warmUp) {
    this.backend = backend;
    this.limits = List.copyOf(limits);
    this.fallback = fallback;
    this.warmUpTimeoutNanos = timeoutNanos;
    this.warmUp = warmUp;
    this.perSlot = backend.target.kind == RedisTarget.Kind.CLUSTER;
    this.transitions = new Transition[limits.size()];
    Set<Algorithm> algorithms = EnumSet.noneOf(Algorithm.class);
    String[] args = new String[HEADER_ARGS + ARGS_PER_LIMIT * limits.size()];
    this.calendars = new CalendarBounds[limits.size()];
    // Redis keeps its own time; this client's clock only places the windows around it.
    Clock client = backend.clock != null ? backend.clock : Clock.system();
    this.client = client;
    args[0] = Integer.toString(limits.size());
    args[1] = Long.toString(backend.ttlMarginMillis);
    for (int i = 0; i < transitions.length; i++) {
      Limit l = limits.get(i);
      transitions[i] = Transition.of(l);
      algorithms.add(l.algorithm());
      int base = HEADER_ARGS + ARGS_PER_LIMIT * i;
      args[base] = Integer.toString(Script.code(l.algorithm()));
      args[base + 1] = Long.toString(l.count());
      args[base + 2] = Long.toString(l.periodMicros());
      args[base + 3] = Long.toString(l.burst());
      if (l.calendar().isPresent()) {
        calendars[i] = new CalendarBounds(l.calendar().get(), client);
      }
    }
    this.header = args;
    this.anyCalendar = limits.stream().anyMatch(l -> l.calendar().isPresent());
    this.capacity = limits.stream().mapToLong(Limit::capacity).min().orElseThrow();
    this.debtPossible = limits.stream().anyMatch(l -> l.algorithm() == Algorithm.TOKEN_BUCKET
        || l.algorithm() == Algorithm.GCRA);
    this.algorithms = algorithms;
    this.layout = new KeyLayout(backend.keyPrefix, limits);
    this.script = Script.forAlgorithms(algorithms);
  }

  @Override
  public List<Limit> limits() {
    return limits;
  }

  // ---- for AllOrNothing: one script call over several limiters' keys

  RedisBackend backend() {
    return backend;
  }

  Set<Algorithm> algorithms() {
    return algorithms;
  }

  /** The state keys of {@code key}, one per limit. */
  String[] keys(String key) {
    return layout.keys(key);
  }

  /**
   * Appends each limit's script arguments (algorithm code, count, period, burst) for a call at
   * {@code nowMicros} ({@link CalendarBounds#SERVER_TIME} for the server's time): a calendar
   * window's period is the windows that time may fall in.
   */
  void limitArgs(List<String> args, long nowMicros) {
    for (int i = 0; i < transitions.length; i++) {
      limitArgs(args, i, nowMicros);
    }
  }

  /** {@link #limitArgs(List, long)} of limit {@code i} only. */
  void limitArgs(List<String> args, int i, long nowMicros) {
    int base = HEADER_ARGS + ARGS_PER_LIMIT * i;
    CalendarBounds c = calendars[i];
    args.add(header[base]);
    args.add(header[base + 1]);
    args.add(c == null ? header[base + 2] : c.argument(new long[] {nowMicros}, 1));
    args.add(header[base + 3]);
  }

  /**
   * Inherit from {@code predecessor}'s keys ({@link RedisBackend#open(List, KeyedLimits)}), until
   * its states can no longer matter.
   */
  void inheritFrom(RedisLimits predecessor) {
    this.inheritance = Inheritance.of(this, predecessor);
  }

  /**
   * Completes once {@code key}'s states under the predecessor, if any, have moved here (at once
   * when there is no predecessor, it is past its horizon, or this client moved the key already).
   * Never completes exceptionally: a failed move leaves the key to start from what it has here.
   */
  CompletableFuture<Void> inherit(String key) {
    Inheritance i = inheritance;
    if (i == null) {
      return Inheritance.MOVED;
    }
    if (i.expired()) {
      inheritance = null;
      return Inheritance.MOVED;
    }
    return i.move(key);
  }

  @Nullable KeyedLimits fallback() {
    return fallback;
  }

  boolean isWarmUp() {
    return warmUp;
  }

  @Override
  public Decision acquire(String key, long permits) {
    return acquireAsync(key, permits).toCompletableFuture().join();
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    OverLimitCache cache = backend.overLimitCache;
    if (cache == null || warmUp) {
      return submit(key, Op.ACQUIRE, permits, 0).thenApply(Answer::decision);
    }
    long sent = client.nowMicros();
    Decision known = cache.denied(this, key, permits, sent);
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return submit(key, Op.ACQUIRE, permits, 0).thenApply(a -> {
      if (a.decision.allowed()) {
        cache.invalidate(key); // taken: a known denial's wait may have grown
      } else {
        cache.offer(this, key, permits, sent, a.decision);
      }
      return a.decision;
    });
  }

  /**
   * {@code op} on {@code key} with the key's known denials forgotten once it is done: it took
   * (a longer wait for them) or made room (a refund, a reset: forgotten before it is sent too).
   */
  private CompletionStage<Answer> changing(String key, Op op, long permits, long arg) {
    return changing(key, op, permits, arg, null);
  }

  /** {@link #changing(String, Op, long, long)} for a hold or settle, with its hold key. */
  private CompletionStage<Answer> changing(String key, Op op, long permits, long arg,
      @Nullable String holdKey) {
    OverLimitCache cache = backend.overLimitCache;
    if (cache == null) {
      return submit(key, op, permits, arg, holdKey);
    }
    if (op == Op.REFUND || op == Op.RESET || op == Op.SETTLE) {
      cache.invalidate(key);
    }
    return submit(key, op, permits, arg, holdKey).whenComplete((a, e) -> cache.invalidate(key));
  }

  @Override
  public CompletionStage<Grant> acquireUpToAsync(String key, long maxPermits) {
    // More than the smallest capacity can never be taken; the cap keeps the argument exact in Lua.
    return changing(key, Op.UP_TO, Math.min(maxPermits, capacity), 0)
        .thenApply(a -> new Grant(a.value, a.decision));
  }

  @Override
  public CompletionStage<Reservation> reserveAsync(String key, long permits,
      long maxWaitMicros) {
    if (maxWaitMicros == 0 || !debtPossible) { // exactly acquire (docs/algorithms.md)
      return acquireAsync(key, permits).thenApply(Reservation::immediate);
    }
    return changing(key, Op.RESERVE, permits, Math.min(maxWaitMicros, MAX_WAIT_ARG))
        .thenApply(a -> new Reservation(a.decision, a.decision.allowed() ? a.value : 0));
  }

  @Override
  public CompletionStage<Decision> refundAsync(String key, long permits) {
    return changing(key, Op.REFUND, permits, 0).thenApply(Answer::decision);
  }

  /**
   * One request of the script, as an acquire. Permits beyond 2^53 - 1 record exactly what 2^53 - 1
   * does (no limit records more), so the argument is capped there and stays exact in Lua.
   */
  @Override
  public CompletionStage<Decision> recordAsync(String key, long permits) {
    return changing(key, Op.RECORD, Math.min(permits, MAX_PAST_ARG), 0)
        .thenApply(Answer::decision);
  }

  @Override
  public CompletionStage<Void> resetAsync(String key) {
    return changing(key, Op.RESET, 0, 0).thenApply(a -> null);
  }

  /**
   * One request of the script: an acquire that, when admitted, sets the hold key ({@link
   * KeyLayout#holdKey}, in the key's slot) to the estimate for the timeout, rounded up to a
   * millisecond. The hold expires by Redis's clock, as state keys do.
   */
  @Override
  public CompletionStage<Decision> holdAsync(String key, String holdId, long permits,
      long timeoutMicros) {
    long millis = timeoutMicros / 1000 + (timeoutMicros % 1000 == 0 ? 0 : 1);
    return changing(key, Op.HOLD, Math.min(permits, MAX_PAST_ARG), millis,
        layout.holdKey(key, holdId)).thenApply(Answer::decision);
  }

  /**
   * One request of the script, which claims the hold key and adjusts the key in the same call,
   * so a hold settles once across every client of the server. When Redis cannot answer, the
   * stage completes exceptionally with {@link RedisUnavailableException}: the settle did not
   * happen (the hold stays, and settles at its estimate when it expires).
   */
  @Override
  public CompletionStage<Settlement> settleAsync(String key, String holdId, long actual) {
    long sent = Math.min(actual, MAX_PAST_ARG);
    return changing(key, Op.SETTLE, sent, 0, layout.holdKey(key, holdId)).thenApply(a -> {
      Decision d = Objects.requireNonNull(a.decision);
      if (a.value >= 0) {
        return new Settlement(Settlement.Status.SETTLED, a.value, actual, d);
      }
      return a.value == -1 ? new Settlement(Settlement.Status.UNKNOWN, 0, actual, d)
          : new Settlement(Settlement.Status.ALREADY_SETTLED, -2 - a.value, actual, d);
    });
  }

  /** Throws {@link RedisUnavailableException} itself, not wrapped in a CompletionException. */
  @Override
  public void reset(String key) {
    try {
      resetAsync(key).toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private CompletionStage<Answer> submit(String key, Op op, long permits, long arg) {
    return submit(key, op, permits, arg, null);
  }

  /**
   * One request of {@code op}; {@code arg} is the most a reservation waits, or a hold's timeout
   * (ms); {@code holdKey} the key of a hold or settle. While there is a predecessor, a key's first
   * request here waits for its states to move.
   */
  private CompletionStage<Answer> submit(String key, Op op, long permits, long arg,
      @Nullable String holdKey) {
    if (inheritance != null) {
      CompletableFuture<Void> moved = inherit(key);
      if (!moved.isDone()) {
        return moved.thenCompose(v -> submitNow(key, op, permits, arg, holdKey));
      }
    }
    return submitNow(key, op, permits, arg, holdKey);
  }

  private CompletionStage<Answer> submitNow(String key, Op op, long permits, long arg,
      @Nullable String holdKey) {
    if (backend.isClosed()) {
      throw new IllegalStateException("this RedisBackend is closed");
    }
    if (!warmUp && !backend.breaker.allowCall()) {
      return op.mustApply() ? CompletableFuture.failedFuture(unavailable(key, op, null))
          : CompletableFuture.completedFuture(degrade(key, op, permits, arg));
    }
    long nowMicros = op == Op.RESET || backend.clock == null ? CalendarBounds.SERVER_TIME
        : backend.clock.nowMicros();
    Pending p = new Pending(layout.keys(key), nowMicros, op, permits, arg, holdKey);
    if (backend.coalesce) {
      lane(key).submit(p);
    } else {
      send(List.of(p), null);
    }
    CompletableFuture<Answer> timed = p.result.orTimeout(timeoutNanos(), TimeUnit.NANOSECONDS);
    if (warmUp) {
      return timed;
    }
    return timed
        .handle((a, error) -> {
          if (error == null) {
            return a;
          }
          backend.onFailure(error);
          if (op.mustApply()) {
            throw new CompletionException(unavailable(key, op, error));
          }
          return degrade(key, op, permits, arg);
        });
  }

  private Lane lane(String key) {
    if (!perSlot) {
      return single;
    }
    int slot = SlotHash.getSlot(KeyLayout.tag(key));
    Lane lane = slots.get(slot);
    return lane != null ? lane : slots.computeIfAbsent(slot, s -> new Lane());
  }

  /** What a request asks of the script (its operation argument, see {@code decide.lua}). */
  private enum Op {
    ACQUIRE, UP_TO, RESERVE, REFUND, RECORD, HOLD, SETTLE, RESET;

    /**
     * Whether the caller must know that Redis did not apply it (no failure policy answers it):
     * a reset, and a settle (a settle answered locally could be applied twice).
     */
    boolean mustApply() {
      return this == RESET || this == SETTLE;
    }
  }

  /**
   * A request's answer: its decision (null for a reset) and {@code value}, the permits taken by a
   * take-up-to or the wait of a reservation (otherwise the permits asked).
   */
  private record Answer(long value, @Nullable Decision decision) {}

  /** One request waiting for its script call. */
  private static final class Pending {
    final String[] keys;
    /** The time to decide at, µs, or {@link CalendarBounds#SERVER_TIME}. */
    final long nowMicros;
    final String now;
    final Op op;
    final long permits;
    /** The most a reservation waits, µs. */
    final long maxWait;
    /** The hold key of a hold or settle, else null. */
    final @Nullable String holdKey;
    final CompletableFuture<Answer> result = new CompletableFuture<>();

    Pending(String[] keys, long nowMicros, Op op, long permits, long maxWait,
        @Nullable String holdKey) {
      this.keys = keys;
      this.holdKey = holdKey;
      this.nowMicros = nowMicros;
      this.now = nowMicros == CalendarBounds.SERVER_TIME ? "" : Long.toString(nowMicros);
      this.op = op;
      this.permits = permits;
      this.maxWait = maxWait;
    }

    /** The operation argument of the script. */
    String arg() {
      return switch (op) {
        case ACQUIRE -> Long.toString(permits);
        case UP_TO -> Long.toString(-(permits + 1));
        case RESERVE -> "r" + permits + ":" + maxWait;
        case REFUND -> "f" + permits;
        case RECORD -> "p" + permits;
        case HOLD -> "h" + permits + ":" + maxWait;
        case SETTLE -> "s" + permits;
        case RESET -> "x";
      };
    }

    /** Values of the reply for this request, given the number of limits. */
    int replySize(int limits) {
      return switch (op) {
        case ACQUIRE, REFUND, RECORD, HOLD -> ARGS_PER_LIMIT * limits;
        case UP_TO, RESERVE, SETTLE -> 1 + ARGS_PER_LIMIT * limits;
        case RESET -> 0;
      };
    }
  }

  /** Requests of one slot: at most one script call in flight, the rest queued for the next. */
  private final class Lane {
    final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean inFlight = new AtomicBoolean();

    void submit(Pending p) {
      queue.add(p);
      drain();
    }

    void drain() {
      while (!queue.isEmpty() && inFlight.compareAndSet(false, true)) {
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
          if (!p.result.isDone()) { // timed out while queued: its caller has its answer
            batch.add(p);
          }
        }
        if (!batch.isEmpty()) {
          send(batch, this);
          return;
        }
        inFlight.set(false); // then loop: something may have arrived after the poll
      }
    }

    void done() {
      inFlight.set(false);
      drain();
    }
  }

  /** One script call for {@code batch}; completes each request's result, then frees the lane. */
  private void send(List<Pending> batch, @Nullable Lane lane) {
    int nl = transitions.length;
    int holdKeys = 0;
    for (Pending p : batch) {
      holdKeys += p.holdKey != null ? 1 : 0;
    }
    String[] keys = new String[batch.size() * nl + holdKeys];
    int nextHoldKey = batch.size() * nl; // the hold keys follow the state keys (decide.lua)
    String[] args = new String[header.length + 2 * batch.size()];
    System.arraycopy(header, 0, args, 0, header.length);
    for (int j = 0; j < batch.size(); j++) {
      Pending p = batch.get(j);
      System.arraycopy(p.keys, 0, keys, j * nl, nl);
      if (p.holdKey != null) {
        keys[nextHoldKey++] = p.holdKey;
      }
      args[header.length + 2 * j] = p.now;
      args[header.length + 2 * j + 1] = p.arg();
    }
    if (anyCalendar) {
      calendarPeriods(batch, args);
    }
    CompletableFuture<List<Object>> call;
    try {
      call = backend.connector.connection()
          .thenCompose(c -> run(c.commands(), script, keys, args));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    if (lane != null) {
      // A hung call must free its lane; a lone request (no lane) has its own timeout already.
      call = call.orTimeout(timeoutNanos(), TimeUnit.NANOSECONDS);
    }
    call.whenComplete((reply, error) -> {
      Throwable failure = error;
      if (failure == null) {
        try {
          checkReply(reply, batch);
          Answer[] answers = new Answer[batch.size()];
          int offset = 0;
          for (int j = 0; j < answers.length; j++) {
            Pending p = batch.get(j);
            answers[j] = switch (p.op) {
              case RESET -> new Answer(0, null);
              case ACQUIRE, REFUND, RECORD, HOLD -> new Answer(p.permits, decide(reply, offset));
              case SETTLE -> new Answer((Long) reply.get(offset), decide(reply, offset + 1));
              case UP_TO, RESERVE -> {
                long value = (Long) reply.get(offset);
                Decision d = decide(reply, offset + 1);
                yield new Answer(d.allowed() ? value : 0, d);
              }
            };
            offset += p.replySize(nl);
          }
          // Health first: a caller seeing its decision also sees the circuit closed again.
          backend.onSuccess();
          for (int j = 0; j < answers.length; j++) {
            batch.get(j).result.complete(answers[j]);
          }
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      if (failure != null) {
        for (Pending p : batch) {
          p.result.completeExceptionally(failure);
        }
      }
      if (lane != null) {
        lane.done();
      }
    });
  }

  /** Writes each calendar limit's period argument: the windows {@code batch} may fall in. */
  private void calendarPeriods(List<Pending> batch, String[] args) {
    long[] nows = new long[batch.size()];
    int n = 0;
    for (Pending p : batch) {
      if (p.op != Op.RESET) { // a reset reads no time
        nows[n++] = p.nowMicros;
      }
    }
    for (int i = 0; i < calendars.length; i++) {
      CalendarBounds c = calendars[i];
      if (c != null) {
        args[HEADER_ARGS + ARGS_PER_LIMIT * i + 2] = c.argument(nows, n);
      }
    }
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed server) EVAL, which also caches the script. */
  static CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<String, String> cmd,
      Script script, String[] keys, String[] args) {
    return cmd.<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture()
        .exceptionallyCompose(e -> isNoScript(e)
            ? cmd.<List<Object>>eval(script.text, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
            : CompletableFuture.failedFuture(e));
  }

  private static boolean isNoScript(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return t instanceof RedisNoScriptException
        || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
  }

  private void checkReply(List<Object> reply, List<Pending> batch) {
    int expected = 0;
    for (Pending p : batch) {
      expected += p.replySize(transitions.length);
    }
    if (reply.size() != expected) {
      throw new IllegalStateException("script answered " + reply.size() + " values, expected "
          + expected);
    }
  }

  /**
   * One request's decision in the reply from {@code offset}: per limit (allowed, remaining,
   * resetAfter, retryAfter or -1 for never), combined as the in-memory backend does.
   */
  Decision decide(List<Object> reply, int offset) {
    int n = transitions.length;
    Outcome[] outcomes = new Outcome[n];
    for (int i = 0; i < n; i++) {
      Outcome o = new Outcome();
      int base = offset + ARGS_PER_LIMIT * i;
      o.allowed = (Long) reply.get(base) == 1L;
      o.remaining = (Long) reply.get(base + 1);
      o.resetAfter = (Long) reply.get(base + 2);
      long retry = (Long) reply.get(base + 3);
      o.retryAfter = retry < 0 ? Long.MAX_VALUE : retry;
      outcomes[i] = o;
    }
    return Decisions.combine(transitions, outcomes);
  }

  /**
   * A reset or settle that Redis did not apply ({@code error}, or null when the circuit is open).
   * Its caller must know it did not happen, so it completes exceptionally; for a reset the local
   * fallback forgets the key first, for the decisions it answers.
   */
  private RedisUnavailableException unavailable(String key, Op op, @Nullable Throwable error) {
    RedisUnavailableException e = new RedisUnavailableException(
        op.name().toLowerCase(java.util.Locale.ROOT) + " not applied: Redis "
        + backend.target + " is unavailable ("
        + (error == null ? "circuit open" : RedisBackend.describe(error)) + ")", error);
    if (op == Op.RESET && fallback != null) {
      try {
        fallback.reset(key);
      } catch (RuntimeException local) {
        e.addSuppressed(local);
      }
    }
    return e;
  }

  /**
   * The failure policy's answer when Redis could not answer. A take-up-to gets all it asked for
   * when the answer is yes; a reservation is admitted without a wait (or by the local fallback,
   * with its wait); a refund gets the zero-permit check the policy gives (the local fallback
   * applies the refund to its own state; Redis never sees it). A hold is answered as an acquire,
   * and holds nothing (its decision is degraded, so the caller gets no hold to settle).
   */
  private Answer degrade(String key, Op op, long permits, long maxWait) {
    backend.onDegraded();
    Limit first = transitions[0].limit();
    return switch (backend.policy) {
      // a take-up-to gets all it asked for; a reservation has nothing to wait for
      case FAIL_OPEN -> new Answer(op == Op.RESERVE ? 0 : permits,
          Decision.degraded(true, Decision.Reason.BACKEND_UNAVAILABLE, first));
      case FAIL_CLOSED -> new Answer(0,
          Decision.degraded(false, Decision.Reason.BACKEND_UNAVAILABLE, first));
      case LOCAL_FALLBACK -> local(key, op, permits, maxWait);
    };
  }

  /** The local fallback's answer, flagged degraded. */
  private Answer local(String key, Op op, long permits, long maxWait) {
    KeyedLimits local = Objects.requireNonNull(fallback);
    Answer a = switch (op) {
      case ACQUIRE, HOLD -> new Answer(permits, local.acquire(key, permits));
      case UP_TO -> {
        Grant g = local.acquireUpTo(key, permits);
        yield new Answer(g.taken(), g.decision());
      }
      case RESERVE -> {
        Reservation r = local.reserve(key, permits, maxWait);
        yield new Answer(r.waitMicros(), r.decision());
      }
      case REFUND -> new Answer(permits, local.refund(key, permits));
      case RECORD -> new Answer(permits, local.record(key, permits));
      case RESET, SETTLE -> throw new IllegalStateException(op + " is never answered locally");
    };
    Decision d = Objects.requireNonNull(a.decision)
        .asDegraded(Decision.Reason.BACKEND_UNAVAILABLE);
    return new Answer(d.allowed() ? a.value : 0, d);
  }
}
