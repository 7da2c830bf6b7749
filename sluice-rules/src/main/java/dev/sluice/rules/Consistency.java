package dev.sluice.rules;

import java.util.Locale;
import java.util.Optional;

/**
 * How a rule's limits are enforced across service instances (the Sluice extension key {@code
 * consistency} on a descriptor). A rule without the key follows the service's {@code mode}
 * setting.
 */
public enum Consistency {
  /** Every decision is made by the shared backend: exact across instances. */
  CONSISTENT,
  /**
   * Decisions are made from local state and hits are sent to the shared backend in batches: no
   * network round trip per decision, at the cost of a bounded overshoot (see docs/distributed.md).
   */
  EVENTUAL;

  /** The spelling in rules files and settings: {@code consistent}, {@code eventual}. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code consistent} or {@code eventual}, any case, surrounding blanks ignored. */
  public static Optional<Consistency> parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "consistent" -> Optional.of(CONSISTENT);
      case "eventual" -> Optional.of(EVENTUAL);
      default -> Optional.empty();
    };
  }
}
