package dev.sluice.rules;

import static dev.sluice.rules.RuleSchema.ALGORITHM;
import static dev.sluice.rules.RuleSchema.ANCHOR;
import static dev.sluice.rules.RuleSchema.BURST;
import static dev.sluice.rules.RuleSchema.CALENDAR;
import static dev.sluice.rules.RuleSchema.NAME;
import static dev.sluice.rules.RuleSchema.RATE_LIMIT;
import static dev.sluice.rules.RuleSchema.RATE_LIMITS;
import static dev.sluice.rules.RuleSchema.REPLACED_NAME;
import static dev.sluice.rules.RuleSchema.REPLACES;
import static dev.sluice.rules.RuleSchema.REQUESTS_PER_UNIT;
import static dev.sluice.rules.RuleSchema.UNIT;
import static dev.sluice.rules.RuleSchema.UNIT_MULTIPLIER;
import static dev.sluice.rules.RuleSchema.UNLIMITED;
import static dev.sluice.rules.RuleSchema.ZONE;

import dev.sluice.Algorithm;
import dev.sluice.CalendarPeriod;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.rules.Schema.Absent;
import dev.sluice.rules.Schema.Fields;
import dev.sluice.rules.Schema.Key;
import dev.sluice.rules.Schema.Present;
import dev.sluice.rules.Schema.Value;
import dev.sluice.rules.YamlTree.Field;
import dev.sluice.rules.YamlTree.Located;
import dev.sluice.rules.YamlTree.MapNode;
import dev.sluice.rules.YamlTree.Node;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a descriptor's limits: envoy's {@code rate_limit} block or Sluice's {@code rate_limits}
 * list, each block's count, unit, {@code unlimited}, {@code name} and {@code replaces}, and
 * Sluice's {@code unit_multiplier}, {@code algorithm}, {@code burst} and {@code calendar}; builds
 * each core {@link Limit} once, with every field.
 */
final class LimitReader {

  private LimitReader() {}

  /** The keys a limit that is {@code unlimited} must not have. */
  private static final List<Key<?>> COUNTING =
      List.of(UNIT, REQUESTS_PER_UNIT, UNIT_MULTIPLIER, ALGORITHM, BURST, CALENDAR);

  /** A {@code replaces} entry, kept with its position to check it against the rule's names. */
  private record Ref(String name, Node node, ParseContext ctx) {}

  /** One block as read: its limit (null when unlimited or wrong), and what names it. */
  private static final class Block {
    @Nullable RuleLimit limit;
    boolean unlimited;
    @Nullable String name;
    final List<String> replaces = new ArrayList<>();
  }

  /** The descriptor's limits, or null when it has none or they are wrong (reported). */
  static @Nullable RateLimitRule read(Fields descriptor, ParseContext here) {
    boolean hasSingle = descriptor.has(RATE_LIMIT);
    boolean hasSeveral = descriptor.has(RATE_LIMITS);
    @Nullable Field several = descriptor.field(RATE_LIMITS);
    if (hasSingle && hasSeveral && several != null) {
      here.error(several, "use either rate_limit or rate_limits, not both");
      return null;
    }
    List<Block> blocks = new ArrayList<>();
    List<Ref> refs = new ArrayList<>();
    if (hasSingle) {
      @Nullable MapNode map = descriptor.get(RATE_LIMIT, here);
      if (map != null) {
        blocks.add(block(map, here.at("rate_limit"), true, refs));
      }
    } else if (hasSeveral && descriptor.read(RATE_LIMITS, here) instanceof Present<List<Node>> p) {
      List<Node> items = p.value();
      if (items.isEmpty()) {
        here.error(p.field().value(), "rate_limits must not be empty");
      }
      for (int i = 0; i < items.size(); i++) {
        ParseContext where = here.at("rate_limits[" + i + "]");
        if (items.get(i) instanceof MapNode map) {
          blocks.add(block(map, where, false, refs));
        } else {
          FileParser.notAMap(items.get(i), where);
        }
      }
    }
    if (blocks.isEmpty()) {
      return null;
    }
    Set<String> names = new LinkedHashSet<>();
    for (Block b : blocks) {
      if (b.name != null) {
        names.add(b.name);
      }
    }
    for (Ref ref : refs) {
      if (names.contains(ref.name())) {
        ref.ctx().error(ref.node(), "replaces should not contain name of same descriptor");
      }
    }
    if (blocks.size() == 1 && blocks.get(0).unlimited) {
      return RateLimitRule.unlimited(blocks.get(0).name, blocks.get(0).replaces);
    }
    List<RuleLimit> limits = new ArrayList<>();
    for (Block b : blocks) {
      if (b.limit == null) {
        return null; // an error was recorded
      }
      limits.add(b.limit);
    }
    return RateLimitRule.of(limits);
  }

  /** One limit block at {@code where}; {@code unlimited} is allowed only in {@code rate_limit}. */
  private static Block block(
      MapNode map, ParseContext where, boolean allowUnlimited, List<Ref> refs) {
    int mark = where.mark();
    Fields fields = RuleSchema.LIMIT.check(map, where);
    Block b = new Block();
    if (fields.read(UNLIMITED, where) instanceof Present<Boolean> u && u.value()) {
      b.unlimited = true;
      if (!allowUnlimited) {
        where.error(u.field(),
            "unlimited cannot be used in rate_limits; use rate_limit with unlimited: true");
      }
    }
    @Nullable String name = fields.get(NAME, where);
    b.name = name == null || name.isEmpty() ? null : name;
    List<Node> replaces = fields.get(REPLACES, where.then(".replaces"), List.of());
    for (int i = 0; i < replaces.size(); i++) {
      ParseContext entryCtx = where.then(".replaces[" + i + "]");
      if (!(replaces.get(i) instanceof MapNode entry)) {
        FileParser.notAMap(replaces.get(i), entryCtx);
        continue;
      }
      @Nullable String replaced =
          RuleSchema.REPLACED.check(entry, entryCtx).get(REPLACED_NAME, entryCtx);
      if (replaced == null || replaced.isEmpty()) {
        // At the entry, whatever the name held.
        entryCtx.error(entry, REPLACED_NAME.missingProblem());
        continue;
      }
      b.replaces.add(replaced);
      refs.add(new Ref(replaced, entry, entryCtx));
    }
    if (b.unlimited) {
      for (Key<?> k : COUNTING) {
        Field given = fields.field(k);
        if (given != null && !given.value().isNull()) {
          where.error(given, k == UNIT
              ? "should not specify rate limit unit when unlimited"
              : "should not specify " + k.name() + " when unlimited");
        }
      }
      return b;
    }
    // A misspelled key already has its error; do not also report the field it meant as missing.
    boolean keyProblems = fields.keyProblems();
    Limit.@Nullable Unit unit = keyProblems ? fields.get(UNIT, where) : fields.require(UNIT, where);
    @Nullable Long requests = keyProblems
        ? fields.get(REQUESTS_PER_UNIT, where) : fields.require(REQUESTS_PER_UNIT, where);
    @Nullable Long multiplier = fields.get(UNIT_MULTIPLIER, where);
    Value<Algorithm> algorithmRead = fields.read(ALGORITHM, where);
    @Nullable Algorithm algorithm = algorithmRead instanceof Present<Algorithm> p ? p.value()
        : algorithmRead instanceof Absent<Algorithm> ? Algorithm.FIXED_WINDOW // envoy's
        : null;
    Value<Long> burstRead = fields.read(BURST, where);
    @Nullable Long burst = burstRead instanceof Present<Long> p ? p.value() : null;
    @Nullable CalendarPeriod calendar = null;
    if (fields.read(CALENDAR, where) instanceof Present<MapNode> c && unit != null) {
      calendar = calendar(c, fields.field(UNIT_MULTIPLIER), multiplier, unit, where);
    }
    if (where.errorsSince(mark) || unit == null || requests == null || algorithm == null) {
      return b;
    }
    long times = multiplier == null ? 1 : multiplier;
    @Nullable Limit limit = null;
    if (requests == 0) {
      if (burstRead instanceof Present<Long> p) {
        where.error(p.field(),
            "burst cannot be used with requests_per_unit: 0, which denies every request");
        return b;
      }
    } else {
      limit = limit(map, fields, where, requests, unit.micros(), times, algorithm, burst, b.name,
          calendar);
      if (limit == null) {
        return b;
      }
    }
    b.limit = new RuleLimit(b.name, requests, unit, times, algorithm, burst, b.replaces, limit,
        calendar);
    return b;
  }

  /**
   * Sluice's {@code calendar} block: the unit as a period of the calendar of {@code zone},
   * windows starting at its {@code anchor}. Null after reporting what is wrong: a unit shorter
   * than a day, a {@code unit_multiplier} other than 1, a zone or an anchor the unit does not
   * take (at the value it belongs to).
   */
  private static @Nullable CalendarPeriod calendar(Present<MapNode> block,
      @Nullable Field multiplierField, @Nullable Long multiplier, Limit.Unit unit,
      ParseContext where) {
    ParseContext here = where.then(".calendar");
    int mark = here.mark();
    Fields fields = RuleSchema.CALENDAR_BLOCK.check(block.value(), here);
    @Nullable ZoneId zone = fields.keyProblems() ? fields.get(ZONE, here)
        : fields.require(ZONE, here);
    @Nullable String anchor = fields.get(ANCHOR, here);
    CalendarPeriod.Unit calendarUnit = CalendarPeriod.Unit.lookup(unit.name());
    if (calendarUnit == null) {
      here.error(block.field(), "calendar needs unit " + RuleSchema.CALENDAR_UNITS + ", was "
          + unit.name().toLowerCase(Locale.ROOT));
      return null;
    }
    if (multiplier != null && multiplier != 1 && multiplierField != null) {
      where.error(multiplierField.value(), "unit_multiplier cannot be used with calendar: a"
          + " calendar period is one " + calendarUnit.text() + ", was " + multiplier);
      return null;
    }
    if (zone == null || here.errorsSince(mark)) {
      return null;
    }
    CalendarPeriod period = CalendarPeriod.of(calendarUnit).zone(zone);
    if (anchor == null || anchor.isEmpty()) {
      return period;
    }
    try {
      return period.anchor(anchor);
    } catch (IllegalArgumentException e) {
      @Nullable Field field = fields.field(ANCHOR);
      here.error(field != null ? field.value() : block.value(), String.valueOf(e.getMessage()));
      return null;
    }
  }

  /**
   * The core limit, built once with every field: a limit validated as a token bucket first would
   * refuse counts a window accepts. Null after reporting what {@link Limit} refuses, at the
   * {@code burst} value when the problem is the burst, else at the block.
   */
  private static @Nullable Limit limit(MapNode map, Fields fields, ParseContext where,
      long requests, long unitMicros, long times, Algorithm algorithm, @Nullable Long burst,
      @Nullable String name, @Nullable CalendarPeriod calendar) {
    long periodMicros;
    try {
      periodMicros = Math.multiplyExact(unitMicros, times);
    } catch (ArithmeticException e) {
      where.error(map, "invalid limit: the period (unit × unit_multiplier) is too long");
      return null;
    }
    Limit.Builder builder = (calendar != null ? Limit.builder(requests, calendar)
        : Limit.builderOfMicros(requests, periodMicros)).algorithm(algorithm).name(name);
    if (burst != null) {
      builder.burst(burst);
    }
    try {
      return builder.build();
    } catch (InvalidLimitException e) {
      @Nullable Field burstField = fields.field(BURST);
      @Nullable Field algorithmField = fields.field(ALGORITHM);
      Located at = map;
      if (e.field() == InvalidLimitException.Field.BURST && burstField != null) {
        at = burstField.value();
      } else if (e.field() == InvalidLimitException.Field.ALGORITHM && calendar != null
          && algorithmField != null) {
        at = algorithmField.value(); // an algorithm that cannot follow the calendar
      }
      where.error(at, "invalid limit: " + e.getMessage());
      return null;
    }
  }
}
