package dev.sluice.servlet;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.Limit;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Backends;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.OnMissingKey;
import dev.sluice.http.TrustedProxies;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The filter's settings as text, one parser for every place they come from ({@code web.xml}
 * init-params, Spring Boot's {@code sluice.*} properties). Every error is an {@link
 * InvalidSettingException} whose message starts with the setting's full name.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>name</th><th>value</th><th>default</th></tr>
 *   <tr><td>limits</td><td>{@code 5 per 10 seconds}, {@code 2/minute;10/hour}</td>
 *       <td>none</td></tr>
 *   <tr><td>algorithm</td><td>{@code token-bucket}, {@code gcra}, {@code fixed-window},
 *       {@code sliding-window-log}, {@code sliding-window-counter}</td><td>token-bucket</td></tr>
 *   <tr><td>key</td><td>{@code ip}, {@code user}, {@code api-key}, {@code header:<Name>},
 *       {@code path}, {@code method}, joined by {@code +}</td><td>{@code ip}</td></tr>
 *   <tr><td>on-missing-key</td><td>{@code ip} or {@code reject} (401)</td><td>{@code ip}</td></tr>
 *   <tr><td>api-key-header</td><td>a header name</td><td>{@code X-API-Key}</td></tr>
 *   <tr><td>headers</td><td>{@code x-ratelimit}, {@code ietf}, {@code both}, {@code none}</td>
 *       <td>{@code x-ratelimit}</td></tr>
 *   <tr><td>headers-on-allowed</td><td>{@code true} or {@code false}</td><td>{@code true}</td></tr>
 *   <tr><td>trusted-proxies</td><td>addresses and CIDR ranges, comma-separated</td>
 *       <td>none</td></tr>
 *   <tr><td>backend</td><td>{@code memory} or a Redis URI</td><td>{@code memory}</td></tr>
 *   <tr><td>failure-policy</td><td>{@code fail-open}, {@code fail-closed},
 *       {@code local-fallback} (Redis only)</td><td>{@code fail-open}</td></tr>
 *   <tr><td>redis-timeout</td><td>how long one Redis decision may take before the failure policy
 *       answers, as {@code 50ms}, {@code 2s} or ISO-8601 (Redis only)</td><td>{@code 50ms}</td></tr>
 *   <tr><td>rules</td><td>a rules file or directory</td><td>none</td></tr>
 *   <tr><td>domain</td><td>the rules domain</td><td>the rules' only domain</td></tr>
 *   <tr><td>denial-body</td><td>a 429 body template
 *       (see {@link SluiceFilter.Builder#denialBody})</td>
 *       <td>an RFC 9457 problem</td></tr>
 *   <tr><td>denial-content-type</td><td>a media type</td><td>{@code application/json} with a
 *       body, else {@code application/problem+json}</td></tr>
 *   <tr><td>costs</td><td>{@code /search/**=5, /export=20}</td><td>every request costs 1</td></tr>
 *   <tr><td>metrics</td><td>{@code true} or {@code false}: count decisions in Micrometer when
 *       {@code sluice-micrometer} is on the class path (see {@link SluiceFilter})</td>
 *       <td>{@code true}</td></tr>
 * </table>
 */
public final class SluiceSettings {

  /** Every setting name, in the order documented. */
  public static final List<String> NAMES = List.of("limits", "algorithm", "key", "on-missing-key",
      "api-key-header", "headers", "headers-on-allowed", "trusted-proxies", "backend",
      "failure-policy", "redis-timeout", "rules", "domain", "denial-body", "denial-content-type", "costs",
      "metrics");

  private SluiceSettings() {}

  /**
   * Applies every setting {@code lookup} has (all but {@code backend}, {@code failure-policy} and
   * {@code redis-timeout}, see {@link #backend}, and {@code metrics}, see {@link #metrics}) to
   * {@code builder}.
   *
   * @param lookup the value of a setting by its short name, or null when unset
   * @param prefix what to put before the name in messages: {@code "sluice."}, {@code "init-param "}
   * @throws IllegalArgumentException {@code "<prefix><name>: <problem>"}
   */
  public static SluiceFilter.Builder configure(SluiceFilter.Builder builder,
      Function<String, @Nullable String> lookup, String prefix) {
    Settings s = new Settings(lookup, prefix);
    List<Limit> limits = limits(lookup, prefix);
    if (!limits.isEmpty()) {
      builder.limits(limits);
    }
    String apiKeyHeader = s.get("api-key-header");
    if (apiKeyHeader != null) {
      if (apiKeyHeader.isBlank()) {
        throw new InvalidSettingException(prefix + "api-key-header", "must not be blank");
      }
      builder.apiKeyHeader(apiKeyHeader.trim());
    }
    String header = apiKeyHeader == null ? "X-API-Key" : apiKeyHeader.trim();
    String key = s.get("key");
    if (key != null) {
      KeyResolver resolver = s.parse("key", key, k -> KeyResolver.parse(k, header));
      builder.key(resolver);
    }
    String missing = s.get("on-missing-key");
    if (missing != null) {
      builder.onMissingKey(s.parse("on-missing-key", missing, OnMissingKey::parse));
    }
    String style = s.get("headers");
    if (style != null) {
      builder.headers(s.parse("headers", style, HeaderStyle::parse));
    }
    String onAllowed = s.get("headers-on-allowed");
    if (onAllowed != null) {
      builder.headersOnAllowed(s.parse("headers-on-allowed", onAllowed, SluiceSettings::bool));
    }
    String proxies = s.get("trusted-proxies");
    if (proxies != null) {
      builder.trustedProxies(s.parse("trusted-proxies", proxies, TrustedProxies::parse));
    }
    String rules = s.get("rules");
    String domain = s.get("domain");
    if (rules != null && !rules.isBlank()) {
      RuleSet set = s.parse("rules", rules, r -> RuleLoader.create().load(Path.of(r.trim())));
      String d = domain == null || domain.isBlank() ? null : domain.trim();
      if (d == null && set.domains().size() != 1) {
        throw new InvalidSettingException(prefix + "domain", "the rules in " + rules + " hold "
            + set.domains().size() + " domains; say which one to use");
      }
      if (d != null && set.domain(d).isEmpty()) {
        throw new InvalidSettingException(prefix + "domain", "no domain '" + d + "' in " + rules);
      }
      builder.rules(set, d != null ? d : set.domains().get(0).name());
    } else if (domain != null && !domain.isBlank()) {
      throw new InvalidSettingException(prefix + "domain", "set without " + prefix + "rules");
    }
    String body = s.get("denial-body");
    if (body != null) {
      builder.denialBody(body);
    }
    String contentType = s.get("denial-content-type");
    if (contentType != null) {
      if (contentType.isBlank() || !contentType.contains("/")) {
        throw new InvalidSettingException(prefix + "denial-content-type", "'" + contentType
            + "' is not a media type");
      }
      builder.denialContentType(contentType.trim());
    }
    String costs = s.get("costs");
    if (costs != null) {
      s.parse("costs", costs, c -> costs(builder, c));
    }
    return builder;
  }

  /**
   * The {@code limits} setting, each with the {@code algorithm} setting's algorithm when given;
   * empty when unset.
   *
   * @throws IllegalArgumentException {@code "<prefix><name>: <problem>"}
   */
  public static List<Limit> limits(Function<String, @Nullable String> lookup, String prefix) {
    Settings s = new Settings(lookup, prefix);
    String text = s.get("limits");
    String algorithm = s.get("algorithm");
    Algorithm a = algorithm == null || algorithm.isBlank() ? null
        : s.parse("algorithm", algorithm, SluiceSettings::algorithm);
    if (text == null || text.isBlank()) {
      return List.of();
    }
    List<Limit> parsed = s.parse("limits", text, Limit::parseAll);
    if (a == null) {
      return parsed;
    }
    List<Limit> out = new ArrayList<>();
    for (Limit l : parsed) {
      out.add(s.parse("algorithm", algorithm, x -> l.withAlgorithm(a)));
    }
    return List.copyOf(out);
  }

  /**
   * Parses an algorithm name: {@code token-bucket}, {@code gcra}, {@code fixed-window}, {@code
   * sliding-window-log}, {@code sliding-window-counter}; any case, {@code -} or {@code _}.
   */
  static Algorithm algorithm(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (Algorithm a : Algorithm.values()) {
      if (a.name().equals(t)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown algorithm '" + text + "'; use token-bucket, gcra,"
        + " fixed-window, sliding-window-log or sliding-window-counter");
  }

  /**
   * The backend the {@code backend} setting names: {@code memory} (default), or a Redis URI with
   * the {@code failure-policy}. Redis needs {@code sluice-redis} on the classpath.
   *
   * @throws IllegalArgumentException {@code "<prefix><name>: <problem>"}
   */
  public static Backend backend(Function<String, @Nullable String> lookup, String prefix) {
    Settings s = new Settings(lookup, prefix);
    String backend = s.get("backend");
    String policy = s.get("failure-policy");
    String timeout = s.get("redis-timeout");
    BackendSpec spec = backend == null || backend.isBlank() ? BackendSpec.memory()
        : s.parse("backend", backend, BackendSpec::of);
    if (timeout != null && !timeout.isBlank()) {
      Duration t = s.parse("redis-timeout", timeout, SluiceSettings::duration);
      spec = spec.withRedisTimeout(t);
    }
    if (policy != null && !policy.isBlank()) {
      spec = spec.withFailurePolicy(s.parse("failure-policy", policy, FailurePolicy::parse));
    }
    BackendSpec opened = spec;
    return s.parse("backend", backend == null ? "memory" : backend, b -> Backends.open(opened));
  }

  /**
   * The {@code metrics} setting: whether a filter declared in {@code web.xml} counts its
   * decisions in Micrometer when it can (default true).
   *
   * @throws IllegalArgumentException {@code "<prefix>metrics: <problem>"}
   */
  public static boolean metrics(Function<String, @Nullable String> lookup, String prefix) {
    Settings s = new Settings(lookup, prefix);
    String value = s.get("metrics");
    return value == null || value.isBlank() || s.parse("metrics", value, SluiceSettings::bool);
  }

  /** {@code 50ms}, {@code 2s}, {@code 1m} or an ISO-8601 duration; positive. */
  static Duration duration(String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
      } else if (v.endsWith("s") && !v.startsWith("p")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else if (v.endsWith("m") && !v.startsWith("p")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
      } else {
        d = Duration.parse(text.trim());
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 50ms, 2s or"
          + " PT0.5S");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("'" + text + "' must be positive");
    }
    return d;
  }

  /** Fails on names that are no setting, with the nearest one. */
  static void checkNames(List<String> names, String prefix) {
    for (String n : names) {
      if (!NAMES.contains(n)) {
        throw new IllegalArgumentException("unknown " + prefix + "'" + n + "'; use one of "
            + String.join(", ", NAMES));
      }
    }
  }

  private static boolean bool(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException("'" + text + "' is not true or false");
    }
  }

  private static Void costs(SluiceFilter.Builder builder, String text) {
    for (String entry : text.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("'" + entry.trim() + "' is not <path pattern>=<cost>");
      }
      long cost;
      try {
        cost = Long.parseLong(entry.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + entry.trim() + "': cost is not a number", e);
      }
      builder.cost(entry.substring(0, eq).trim(), cost);
    }
    return null;
  }

  /** Reads settings and names them in errors. */
  private static final class Settings {
    private final Function<String, @Nullable String> lookup;
    private final String prefix;

    Settings(Function<String, @Nullable String> lookup, String prefix) {
      this.lookup = lookup;
      this.prefix = prefix;
    }

    @Nullable String get(String name) {
      return lookup.apply(name);
    }

    <T> T parse(String name, String value, Function<String, T> parser) {
      try {
        return parser.apply(value);
      } catch (RuntimeException e) {
        throw new InvalidSettingException(prefix + name, String.valueOf(e.getMessage()), e);
      }
    }
  }
}
