package dev.sluice.spring.gateway;

import dev.sluice.Algorithm;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One route's {@code sluice-rate-limiter.*} arguments, checked: the limits every request of the
 * route is counted against and the permits one request takes.
 *
 * <p>Two shapes, never mixed: RedisRateLimiter's token bucket ({@code replenishRate} permits a
 * second, a bucket of {@code burstCapacity}, default the rate) or Sluice's {@code limits} text
 * ({@code 10/second;1000/hour}); {@code algorithm} applies to either, {@code requestedTokens}
 * (default 1, 0 checks without counting) to both.
 */
final class RouteLimits {

  private final List<Limit> limits;
  private final long tokens;

  private RouteLimits(List<Limit> limits, long tokens) {
    this.limits = List.copyOf(limits);
    this.tokens = tokens;
  }

  /** The limits every request of the route is counted against, all-or-nothing. */
  List<Limit> limits() {
    return limits;
  }

  /** The permits one request takes. */
  long tokens() {
    return tokens;
  }

  /**
   * Checks {@code config}.
   *
   * @param prefix what precedes an argument's name in a message: where the arguments were given,
   *     e.g. {@code "route 'api' sluice-rate-limiter."}
   * @throws InvalidSettingException naming the argument ({@code prefix} + its name) and what was
   *     expected
   */
  static RouteLimits of(SluiceGatewayRateLimiter.Config config, String prefix) {
    Map<String, @Nullable String> given = new HashMap<>();
    given.put("limits", config.getLimits());
    given.put("algorithm", config.getAlgorithm());
    // the algorithm's and the limits' own checks and messages, as for sluice.limits
    var settings = SluiceSettings.read(given::get, prefix);
    Algorithm algorithm = settings.find(SluiceSettings.ALGORITHM);
    Long rate = config.getReplenishRate();
    Long burst = config.getBurstCapacity();
    Long tokens = config.getRequestedTokens();
    if (tokens != null && tokens < 0) {
      throw new InvalidSettingException(prefix + "requestedTokens",
          "must be 0 or more (0 checks without counting), was " + tokens);
    }
    long t = tokens == null ? 1 : tokens;
    if (config.getLimits() != null) {
      if (rate != null || burst != null) {
        throw new InvalidSettingException(prefix + "limits", "set either limits or"
            + " replenishRate/burstCapacity, not both");
      }
      List<Limit> limits = SluiceSettings.limits(settings);
      if (limits.isEmpty()) {
        throw new InvalidSettingException(prefix + "limits",
            "must not be blank; e.g. 10/second;1000/hour");
      }
      return new RouteLimits(limits, t);
    }
    if (rate == null) {
      if (burst != null) {
        throw new InvalidSettingException(prefix + "replenishRate",
            "is needed with burstCapacity: the permits added each second");
      }
      throw new InvalidSettingException(prefix + "limits", "no limits for this route: set "
          + prefix + "limits (e.g. 10/second;1000/hour) or " + prefix + "replenishRate (with "
          + prefix + "burstCapacity)");
    }
    if (rate < 1) {
      throw new InvalidSettingException(prefix + "replenishRate",
          "must be at least 1 (permits added each second), was " + rate);
    }
    long b = burst == null ? rate : burst;
    if (b < 1) {
      throw new InvalidSettingException(prefix + "burstCapacity",
          "must be at least 1 (the most permits taken at once), was " + b);
    }
    try {
      Limit limit = Limit.builder(rate, Duration.ofSeconds(1)).burst(b)
          .algorithm(algorithm == null ? Algorithm.TOKEN_BUCKET : algorithm).build();
      return new RouteLimits(List.of(limit), t);
    } catch (InvalidLimitException e) {
      String argument = switch (e.field()) {
        case BURST -> "burstCapacity";
        case ALGORITHM -> "algorithm";
        default -> "replenishRate";
      };
      throw new InvalidSettingException(prefix + argument, e.reason(), e);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RouteLimits r && r.limits.equals(limits) && r.tokens == tokens;
  }

  @Override
  public int hashCode() {
    return Objects.hash(limits, tokens);
  }

  @Override
  public String toString() {
    return limits + " x" + tokens;
  }
}
