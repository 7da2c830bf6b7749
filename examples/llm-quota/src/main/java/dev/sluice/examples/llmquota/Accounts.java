package dev.sluice.examples.llmquota;

import dev.sluice.CalendarPeriod;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;

/** Who may call the API: users with their time zone and tenant, tenants with their plan. */
record Accounts(Map<String, User> users, Map<String, Tenant> tenants) {

  /** A user: their zone (their day runs from local midnight) and the tenant they belong to. */
  record User(String id, ZoneId zone, String tenant) {}

  /** A tenant: tokens per billing month, the month running from the anchor day in its zone. */
  record Tenant(String id, long monthlyTokens, CalendarPeriod month) {}

  /** Tokens per user per day, in every user's own zone. */
  static final long DAILY_TOKENS = 10_000;

  /** The demo's accounts. */
  static Accounts demo() {
    return new Accounts(
        Map.of(
            "alice", new User("alice", ZoneId.of("America/Los_Angeles"), "acme"),
            "bob", new User("bob", ZoneId.of("Asia/Kolkata"), "acme"),
            "carol", new User("carol", ZoneId.of("Europe/Paris"), "globex")),
        Map.of(
            // renews on the 15th at midnight in Paris
            "acme", new Tenant("acme", 50_000, CalendarPeriod.month().zone("Europe/Paris")
                .anchor(LocalDate.parse("2026-01-15"))),
            // renews on the 1st at midnight in New York
            "globex", new Tenant("globex", 30_000,
                CalendarPeriod.month().zone("America/New_York"))));
  }

  Optional<User> user(String id) {
    return Optional.ofNullable(users.get(id));
  }

  Tenant tenantOf(User u) {
    return tenants.get(u.tenant());
  }
}
