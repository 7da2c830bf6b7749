package dev.sluice.examples.llmquota;

import dev.sluice.CalendarPeriod;
import dev.sluice.Decision;
import dev.sluice.Hold;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.Settlement;
import dev.sluice.spi.Backend;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The two budgets every request spends: the user's tokens per day (from midnight in the user's
 * zone) and the tenant's tokens per billing month. A request reserves its estimate in both, or
 * in neither; it settles its real count in both.
 */
final class Budgets {

  /** How long an estimate waits for its settle before it counts as spent (a crashed call). */
  static final Duration HOLD_TIMEOUT = Duration.ofMinutes(10);

  private final Backend backend;
  private final Accounts accounts;
  /** One daily limiter per zone: a calendar period has one zone. */
  private final Map<ZoneId, RateLimiter> daily = new ConcurrentHashMap<>();
  private final Map<String, RateLimiter> monthly = new ConcurrentHashMap<>();

  Budgets(Backend backend, Accounts accounts) {
    this.backend = backend;
    this.accounts = accounts;
  }

  /** The estimate held in both budgets, or the refusal of the first that had no room. */
  record Reservation(Accounts.User user, long estimate, @Nullable Hold day, @Nullable Hold month,
      @Nullable String refusedBy, @Nullable Decision refusal) {
    boolean admitted() {
      return refusedBy == null;
    }
  }

  /** What a settle left: the budgets after it. */
  record Settled(Settlement day, Settlement month) {}

  Reservation reserve(Accounts.User user, long estimate) {
    Hold day = daily(user).hold(dayKey(user), estimate, HOLD_TIMEOUT);
    if (!day.held()) {
      return new Reservation(user, estimate, null, null, "daily", day.decision());
    }
    Hold month = monthly(user).hold(monthKey(user), estimate, HOLD_TIMEOUT);
    if (!month.held()) {
      daily(user).settle(day, 0); // all or nothing: give the day's hold back
      return new Reservation(user, estimate, null, null, "monthly", month.decision());
    }
    return new Reservation(user, estimate, day, month, null, null);
  }

  Settled settle(Reservation r, long actual) {
    return new Settled(daily(r.user()).settle(r.day(), actual),
        monthly(r.user()).settle(r.month(), actual));
  }

  /** The user's daily budget now, as a check (takes nothing). */
  Decision day(Accounts.User user) {
    return daily(user).tryAcquire(dayKey(user), 0);
  }

  /** The user's tenant's monthly budget now. */
  Decision month(Accounts.User user) {
    return monthly(user).tryAcquire(monthKey(user), 0);
  }

  private RateLimiter daily(Accounts.User user) {
    return daily.computeIfAbsent(user.zone(), z -> RateLimiter.builder(
        Limit.builder(Accounts.DAILY_TOKENS, CalendarPeriod.day().zone(z)).name("daily").build())
        .backend(backend).name("daily").build());
  }

  private RateLimiter monthly(Accounts.User user) {
    Accounts.Tenant t = accounts.tenantOf(user);
    return monthly.computeIfAbsent(t.id(), id -> RateLimiter.builder(
        Limit.builder(t.monthlyTokens(), t.month()).name("monthly").build())
        .backend(backend).name("monthly").build());
  }

  private static String dayKey(Accounts.User user) {
    return "user:" + user.id();
  }

  private static String monthKey(Accounts.User user) {
    return "tenant:" + user.tenant();
  }
}
