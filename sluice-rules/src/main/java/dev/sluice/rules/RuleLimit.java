package dev.sluice.rules;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.Limit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One limit as written in a rules file ({@code requests_per_unit} per {@code unit}, optionally
 * {@code unit_multiplier}, and Sluice's {@code algorithm}, {@code burst} and {@code calendar})
 * together with the core {@link Limit} it maps to.
 *
 * <p>{@code requests_per_unit: 0} is valid, as in envoy: it denies every request. Such a limit has
 * no core {@link Limit} ({@link #limit()} is empty) and {@link #deniesAll()} is true.
 */
public final class RuleLimit {

  private final @Nullable String name;
  private final long requestsPerUnit;
  private final Limit.Unit unit;
  private final long unitMultiplier;
  private final Algorithm algorithm;
  private final @Nullable Long burst;
  private final List<String> replaces;
  private final @Nullable Limit limit;
  private final @Nullable CalendarPeriod calendar;

  RuleLimit(
      @Nullable String name,
      long requestsPerUnit,
      Limit.Unit unit,
      long unitMultiplier,
      Algorithm algorithm,
      @Nullable Long burst,
      List<String> replaces,
      @Nullable Limit limit,
      @Nullable CalendarPeriod calendar) {
    this.name = name;
    this.requestsPerUnit = requestsPerUnit;
    this.unit = unit;
    this.unitMultiplier = unitMultiplier;
    this.algorithm = algorithm;
    this.burst = burst;
    this.replaces = List.copyOf(replaces);
    this.limit = limit;
    this.calendar = calendar;
  }

  /** The {@code name} given in the file; other descriptors' {@code replaces} refer to it. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /** {@code requests_per_unit}; 0 denies every request. */
  public long requestsPerUnit() {
    return requestsPerUnit;
  }

  /** The {@code unit}. */
  public Limit.Unit unit() {
    return unit;
  }

  /** {@code unit_multiplier}: the period is this many units; 1 when not given. */
  public long unitMultiplier() {
    return unitMultiplier;
  }

  /** The algorithm; {@link Algorithm#FIXED_WINDOW} (envoy's behaviour) unless set. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** The {@code burst} given in the file, if any. */
  public OptionalLong burst() {
    return burst == null ? OptionalLong.empty() : OptionalLong.of(burst);
  }

  /** Names of limits this one replaces when both match one request (envoy's {@code replaces}). */
  public List<String> replaces() {
    return replaces;
  }

  /**
   * Sluice's {@code calendar} block: the unit as a day, week, month or year of a time zone's
   * calendar, from its anchor; empty for envoy's fixed-length units.
   */
  public Optional<CalendarPeriod> calendar() {
    return Optional.ofNullable(calendar);
  }

  /** The core limit; empty exactly when {@link #deniesAll()}. */
  public Optional<Limit> limit() {
    return Optional.ofNullable(limit);
  }

  /** True for {@code requests_per_unit: 0}: every request is over the limit. */
  public boolean deniesAll() {
    return requestsPerUnit == 0;
  }

  /**
   * For example {@code 10/second}, {@code 20/5minutes GCRA burst 40}, {@code 0/second}, {@code
   * 1000/month@Europe/Paris anchor 15 FIXED_WINDOW}.
   */
  public String describe() {
    StringBuilder s = new StringBuilder().append(requestsPerUnit).append('/');
    String u = unit.name().toLowerCase(Locale.ROOT);
    if (calendar != null) {
      s.append(calendar.text());
    } else {
      s.append(unitMultiplier == 1 ? u : unitMultiplier + u + "s");
    }
    s.append(' ').append(algorithm);
    if (burst != null) {
      s.append(" burst ").append(burst);
    }
    if (name != null) {
      s.append(" name=").append(name);
    }
    if (!replaces.isEmpty()) {
      s.append(" replaces=").append(String.join(",", replaces));
    }
    if (deniesAll()) {
      s.append(" (denies all)");
    }
    return s.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RuleLimit r
        && Objects.equals(name, r.name)
        && requestsPerUnit == r.requestsPerUnit
        && unit == r.unit
        && unitMultiplier == r.unitMultiplier
        && algorithm == r.algorithm
        && Objects.equals(burst, r.burst)
        && replaces.equals(r.replaces)
        && Objects.equals(limit, r.limit)
        && Objects.equals(calendar, r.calendar);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, requestsPerUnit, unit, unitMultiplier, algorithm, burst, replaces,
        calendar);
  }

  @Override
  public String toString() {
    return "RuleLimit[" + describe() + "]";
  }
}
