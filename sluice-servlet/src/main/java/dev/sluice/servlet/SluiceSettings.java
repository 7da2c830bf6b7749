package dev.sluice.servlet;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.enforcement.BackendSpec;
import dev.sluice.enforcement.Backends;
import dev.sluice.enforcement.settings.Dialect;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.settings.EnforcementSettings;
import dev.sluice.enforcement.settings.Setting;
import dev.sluice.enforcement.settings.SettingException;
import dev.sluice.enforcement.settings.SettingList;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.enforcement.settings.Source;
import dev.sluice.enforcement.settings.Sources;
import dev.sluice.enforcement.settings.ValueTypes;
import dev.sluice.http.AddressRanges;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.HttpSettings;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.OnMissingKey;
import dev.sluice.http.RequestLimiter;
import dev.sluice.http.StatusCondition;
import dev.sluice.http.TrustedProxies;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import dev.sluice.spi.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The filter's settings, declared once for every place they come from ({@code web.xml}
 * init-params, Java properties, Spring Boot's {@code sluice.*} properties): the filter's own
 * below, and the backend's shared with the service ({@link EnforcementSettings#BACKEND_SETTINGS}:
 * {@code backend}, {@code failure-policy}, {@code redis-timeout}, {@code max-keys}). They are read
 * in the {@link Dialect#FILTER} dialect; docs/integrations.md lists them. Every error is an {@link
 * InvalidSettingException} whose message starts with the setting's full name ({@code
 * sluice.headers: ...}, {@code init-param headers: ...}).
 */
public final class SluiceSettings {

  private static final SettingList DECLARED = new SettingList();

  /**
   * Limits applied to every request: {@code 5 per 10 seconds}, {@code 2/minute;10/hour}; the text,
   * built into limits with the {@link #ALGORITHM} by {@link #limits(Settings)}.
   */
  public static final Setting<String> LIMITS = DECLARED.add(Setting.of("limits",
          ValueTypes.of("LIMITS", SluiceSettings::rates))
      .blankIsUnset()
      .help("Limits applied to every request, e.g. 5 per 10 seconds or 2/minute;10/hour"));

  /** The algorithm of every limit of {@link #LIMITS} (else each limit's own, a token bucket). */
  public static final Setting<Algorithm> ALGORITHM = DECLARED.add(Setting.of("algorithm",
          ValueTypes.choice("algorithm", Algorithm.class))
      .blankIsUnset()
      .help("How the limits count"));

  /** How clients are told apart: {@code ip}, {@code user}, {@code api-key}, ... */
  public static final Setting<String> KEY = DECLARED.add(Setting.of("key",
          ValueTypes.text("KEY"))
      .byDefault("ip")
      .help("How clients are told apart: ip, user, principal, api-key, header:<Name>,"
          + " attribute:<Name>, path, method, joined by +"));

  public static final Setting<OnMissingKey> ON_MISSING_KEY = DECLARED.add(Setting.of(
          "on-missing-key", ValueTypes.of("ip|reject", OnMissingKey::parse,
              ValueTypes::spelling))
      .byDefault("ip")
      .help("When the key needs an identity the request lacks: ip (count by address) or reject"
          + " (401)"));

  public static final Setting<String> API_KEY_HEADER = DECLARED.add(Setting.of("api-key-header",
          ValueTypes.of("HEADER", SluiceSettings::headerName))
      .byDefault("X-API-Key")
      .help("The header the api-key key part reads"));

  public static final Setting<HeaderStyle> HEADERS = DECLARED.add(
      HttpSettings.headers(HeaderStyle.X_RATELIMIT));

  public static final Setting<Boolean> HEADERS_ON_ALLOWED = DECLARED.add(Setting.of(
          "headers-on-allowed", ValueTypes.bool())
      .byDefault("true")
      .help("Whether allowed responses carry the headers too"));

  /** Addresses and CIDR ranges of trusted proxies ({@link TrustedProxies#of(List)}). */
  public static final Setting<List<String>> TRUSTED_PROXIES = DECLARED.add(
      HttpSettings.trustedProxies("Proxies (addresses or CIDR ranges, comma-separated) whose"
          + " Forwarded and X-Forwarded-For are believed"));

  public static final Setting<String> BACKEND = DECLARED.add(EnforcementSettings.BACKEND);

  /** Values need {@code sluice-redis}; without it a given value is still checked. */
  public static final Setting<FailurePolicy> FAILURE_POLICY = DECLARED.add(
      EnforcementSettings.FAILURE_POLICY);

  public static final Setting<Duration> REDIS_TIMEOUT = DECLARED.add(
      EnforcementSettings.REDIS_TIMEOUT);

  public static final Setting<Duration> REDIS_START_TIMEOUT = DECLARED.add(
      EnforcementSettings.REDIS_START_TIMEOUT);

  public static final Setting<Long> MAX_KEYS = DECLARED.add(EnforcementSettings.MAX_KEYS);

  /** A rules file or directory in envoy's format (with Sluice routes). */
  public static final Setting<Path> RULES = DECLARED.add(Setting.of("rules",
          ValueTypes.of("PATH", t -> Path.of(t.trim())))
      .blankIsUnset()
      .help("A rules file or directory"));

  public static final Setting<String> DOMAIN = DECLARED.add(Setting.of("domain",
          ValueTypes.of("DOMAIN", String::trim))
      .blankIsUnset()
      .help("The rules domain to match; default the rules' only domain"));

  /** How the rules' descriptors of one request are counted: all or nothing, or each. */
  public static final Setting<Enforcer.Counting> DESCRIPTOR_COUNTING = DECLARED.add(
      EnforcementSettings.DESCRIPTOR_COUNTING);

  public static final Setting<String> DENIAL_BODY = DECLARED.add(Setting.of("denial-body",
          ValueTypes.text("TEMPLATE"))
      .help("The 429 body template; placeholders {retryAfter}, {limit}, {remaining}, {reset},"
          + " {name}"));

  public static final Setting<String> DENIAL_CONTENT_TYPE = DECLARED.add(Setting.of(
          "denial-content-type", ValueTypes.of("TYPE", SluiceSettings::mediaType))
      .help("The 429 body's content type"));

  /** Costs by path pattern: {@code /search/**=5, /export=20}; others cost 1. */
  public static final Setting<List<Map.Entry<String, Long>>> COSTS = DECLARED.add(Setting.of("costs",
          ValueTypes.of("COSTS", SluiceSettings::costs))
      .help("Costs by path pattern, e.g. /search/**=5, /export=20; others cost 1"));

  /** Client addresses and CIDR ranges (after trusted proxies) that are never limited. */
  public static final Setting<List<String>> EXEMPT_ADDRESSES = DECLARED.add(Setting.of(
          "exempt-addresses", ValueTypes.list("CIDRS", c -> AddressRanges.of(List.of(c))))
      .help("Client addresses or CIDR ranges (comma-separated, after trusted proxies) that are"
          + " neither counted nor given headers"));

  /** Path patterns ({@code /health}, {@code /actuator/**}) that are never limited. */
  public static final Setting<List<String>> EXEMPT_PATHS = DECLARED.add(Setting.of(
          "exempt-paths", ValueTypes.list("PATTERNS",
              p -> RequestLimiter.builder().exemptPaths(List.of(p))))
      .help("Path patterns (comma-separated; * within a segment, ** across) that are neither"
          + " counted nor given headers"));

  /** Which response statuses count ({@link StatusCondition}); unset: every request counts. */
  public static final Setting<StatusCondition> COUNT_STATUSES = DECLARED.add(Setting.of(
          "count-statuses", ValueTypes.of("STATUSES", StatusCondition::parse,
              StatusCondition::toString))
      .blankIsUnset()
      .help("Count only responses with these statuses, e.g. 401,403 or 400-499 or 5xx; the cost"
          + " is held before the handler and given back for other statuses"));

  /** The status of a refusal, 400 to 599. */
  public static final Setting<Integer> REFUSAL_STATUS = DECLARED.add(Setting.of(
          "refusal-status", ValueTypes.integer(400, 599))
      .byDefault("429")
      .help("The status of a refusal (400-599)"));

  /**
   * Whether a filter declared in {@code web.xml} counts its decisions in Micrometer when {@code
   * sluice-micrometer} is on the class path.
   */
  public static final Setting<Boolean> METRICS = DECLARED.add(Setting.of("metrics",
          ValueTypes.bool())
      .byDefault("true").blankIsUnset()
      .help("Count decisions in Micrometer when sluice-micrometer is on the class path"));

  /** Every setting, in the order documented. */
  public static final List<Setting<?>> DECLARATIONS = DECLARED.settings();

  /** Every setting name, in the order documented. */
  public static final List<String> NAMES = Settings.names(DECLARATIONS);

  private SluiceSettings() {}

  /**
   * Reads every setting from {@code lookup}.
   *
   * @param lookup the value of a setting by its short name, or null when unset
   * @param prefix what to put before the name in messages: {@code "sluice."}, {@code "init-param "}
   * @throws InvalidSettingException {@code "<prefix><name>: <problem>"}
   */
  public static Settings read(Function<String, @Nullable String> lookup, String prefix) {
    return read(Sources.lookup(lookup, prefix));
  }

  /**
   * Reads every setting from {@code source} (for typed values, {@link Sources#typed}).
   *
   * @throws InvalidSettingException {@code "<prefix><name>: <problem>"}
   */
  public static Settings read(Source source) {
    return named(() -> Settings.resolve(DECLARATIONS, Dialect.FILTER, List.of(source)));
  }

  /**
   * Applies every setting {@code lookup} has (all but the backend's, see {@link #backend}, and
   * {@code metrics}, see {@link #metrics}) to {@code builder}.
   *
   * @param lookup the value of a setting by its short name, or null when unset
   * @param prefix what to put before the name in messages: {@code "sluice."}, {@code "init-param "}
   * @throws IllegalArgumentException {@code "<prefix><name>: <problem>"}
   */
  public static SluiceFilter.Builder configure(SluiceFilter.Builder builder,
      Function<String, @Nullable String> lookup, String prefix) {
    return configure(builder, read(lookup, prefix));
  }

  /**
   * Applies every given setting of {@code settings} but the backend's and {@code metrics} to
   * {@code builder}.
   *
   * @throws InvalidSettingException {@code "<prefix><name>: <problem>"}
   */
  public static SluiceFilter.Builder configure(SluiceFilter.Builder builder, Settings settings) {
    return named(() -> apply(builder, settings));
  }

  /**
   * Applies every given setting of {@code settings} that decides requests (all but the backend's,
   * {@code trusted-proxies} and {@code metrics}) to {@code pipeline}, for HTTP front ends other
   * than the filter (the Spring Boot starter's WebFilter): the same settings, read the same way,
   * as {@link #configure(SluiceFilter.Builder, Settings)}. Needs no Servlet API.
   *
   * @throws InvalidSettingException {@code "<prefix><name>: <problem>"}
   */
  public static RequestLimiter.Builder configure(RequestLimiter.Builder pipeline,
      Settings settings) {
    configure(new SluiceFilter.Builder(pipeline), settings);
    return pipeline;
  }

  /** The {@code trusted-proxies} of {@code settings}; none when unset. */
  public static TrustedProxies trustedProxies(Settings settings) {
    List<String> proxies = settings.find(TRUSTED_PROXIES);
    return proxies == null ? TrustedProxies.none() : TrustedProxies.of(proxies);
  }

  private static SluiceFilter.Builder apply(SluiceFilter.Builder builder, Settings s) {
    List<Limit> limits = limits(s);
    if (!limits.isEmpty()) {
      builder.limits(limits);
    }
    String header = s.get(API_KEY_HEADER);
    if (s.isGiven(API_KEY_HEADER)) {
      builder.apiKeyHeader(header);
    }
    if (s.isGiven(KEY)) {
      KeyResolver resolver = s.derive(KEY,
          k -> KeyResolver.parse(k, header, builder.keyParts()));
      builder.key(resolver);
    }
    if (s.isGiven(ON_MISSING_KEY)) {
      builder.onMissingKey(s.get(ON_MISSING_KEY));
    }
    if (s.isGiven(HEADERS)) {
      builder.headers(s.get(HEADERS));
    }
    if (s.isGiven(HEADERS_ON_ALLOWED)) {
      builder.headersOnAllowed(s.get(HEADERS_ON_ALLOWED));
    }
    if (s.find(TRUSTED_PROXIES) != null) {
      builder.trustedProxies(trustedProxies(s));
    }
    if (s.isGiven(DESCRIPTOR_COUNTING)) {
      builder.descriptorCounting(s.get(DESCRIPTOR_COUNTING));
    }
    String domain = s.find(DOMAIN);
    if (s.find(RULES) != null) {
      RuleSet set = s.derive(RULES, r -> RuleLoader.create().load(r));
      String rules = s.text(RULES);
      if (domain == null && set.domains().size() != 1) {
        throw s.error(DOMAIN, "the rules in " + rules + " hold " + set.domains().size()
            + " domains; say which one to use");
      }
      if (domain != null && set.domain(domain).isEmpty()) {
        throw s.error(DOMAIN, "no domain '" + domain + "' in " + rules);
      }
      builder.rules(set, domain != null ? domain : set.domains().get(0).name());
    } else if (domain != null) {
      throw s.error(DOMAIN, "set without " + s.origin(RULES));
    }
    String body = s.find(DENIAL_BODY);
    if (body != null) {
      builder.denialBody(body);
    }
    String contentType = s.find(DENIAL_CONTENT_TYPE);
    if (contentType != null) {
      builder.denialContentType(contentType);
    }
    if (s.find(COSTS) != null) {
      s.derive(COSTS, costs -> {
        for (Map.Entry<String, Long> c : costs) {
          builder.cost(c.getKey(), c.getValue());
        }
        return builder;
      });
    }
    List<String> exemptAddresses = s.find(EXEMPT_ADDRESSES);
    if (exemptAddresses != null) {
      builder.exemptAddresses(exemptAddresses.toArray(String[]::new));
    }
    List<String> exemptPaths = s.find(EXEMPT_PATHS);
    if (exemptPaths != null) {
      builder.exemptPaths(exemptPaths.toArray(String[]::new));
    }
    StatusCondition statuses = s.find(COUNT_STATUSES);
    if (statuses != null) {
      if (s.find(RULES) != null && s.get(DESCRIPTOR_COUNTING) == Enforcer.Counting.EACH) {
        throw s.error(COUNT_STATUSES, "cannot be combined with " + s.origin(DESCRIPTOR_COUNTING)
            + " each: a request's rules are held all or nothing");
      }
      builder.countStatuses(statuses.toString());
    }
    if (s.isGiven(REFUSAL_STATUS)) {
      builder.refusalStatus(s.get(REFUSAL_STATUS));
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
    return limits(read(lookup, prefix));
  }

  /**
   * The {@code limits} of {@code settings}, each built once with the {@code algorithm} (when
   * unset, a token bucket, or a fixed window for a calendar period such as {@code
   * 1000/day@Europe/Paris}); empty when unset. A bound only the algorithm sets (the sliding window
   * log's count) is reported as the {@code algorithm} setting's problem.
   */
  public static List<Limit> limits(Settings settings) {
    return named(() -> {
      if (settings.find(LIMITS) == null) {
        return List.of();
      }
      Algorithm a = settings.find(ALGORITHM);
      return settings.derive(LIMITS, text -> {
        try {
          return a == null ? Limit.parseAll(text) : Limit.parseAll(text, a);
        } catch (InvalidLimitException e) {
          if (a != null && e.field() == InvalidLimitException.Field.ALGORITHM) {
            throw settings.error(ALGORITHM, e.reason());
          }
          throw e;
        }
      });
    });
  }

  /**
   * The {@code limits} text, after checking what does not depend on the algorithm: the grammar
   * and the count and period bounds every algorithm has (a fixed window adds none of its own).
   * {@link #limits(Settings)} builds each limit once, with the algorithm.
   */
  private static String rates(String text) {
    Limit.parseAll(text, Algorithm.FIXED_WINDOW);
    return text;
  }

  /**
   * The backend the {@code backend} setting names: {@code memory} (default, holding at most
   * {@code max-keys} keys), or a Redis URI with the {@code failure-policy} and {@code
   * redis-timeout}. Redis needs {@code sluice-redis} on the classpath.
   *
   * @throws IllegalArgumentException {@code "<prefix><name>: <problem>"}
   */
  public static Backend backend(Function<String, @Nullable String> lookup, String prefix) {
    return backend(read(lookup, prefix));
  }

  /** The backend {@code settings} name (see {@link #backend(Function, String)}). */
  public static Backend backend(Settings settings) {
    return named(() -> settings.derive(BACKEND, u -> Backends.open(BackendSpec.from(settings))));
  }

  /**
   * The {@code metrics} setting: whether a filter declared in {@code web.xml} counts its
   * decisions in Micrometer when it can (default true).
   *
   * @throws IllegalArgumentException {@code "<prefix>metrics: <problem>"}
   */
  public static boolean metrics(Function<String, @Nullable String> lookup, String prefix) {
    return metrics(read(lookup, prefix));
  }

  /** The {@code metrics} setting of {@code settings}. */
  public static boolean metrics(Settings settings) {
    return settings.get(METRICS);
  }

  /** Fails on names that are no setting, with the list of settings. */
  static void checkNames(List<String> names, String prefix) {
    for (String n : names) {
      if (!NAMES.contains(n)) {
        throw new IllegalArgumentException("unknown " + prefix + "'" + n + "'; use one of "
            + String.join(", ", NAMES));
      }
    }
  }

  private static String headerName(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("must not be blank");
    }
    return text.trim();
  }

  private static String mediaType(String text) {
    if (text.isBlank() || !text.contains("/")) {
      throw new IllegalArgumentException("'" + text + "' is not a media type");
    }
    return text.trim();
  }

  private static List<Map.Entry<String, Long>> costs(String text) {
    List<Map.Entry<String, Long>> costs = new ArrayList<>();
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
      costs.add(Map.entry(entry.substring(0, eq).trim(), cost));
    }
    return List.copyOf(costs);
  }

  /** Runs {@code read}, turning a bad setting into an {@link InvalidSettingException}. */
  private static <T> T named(Supplier<T> read) {
    try {
      return read.get();
    } catch (SettingException e) {
      throw new InvalidSettingException(e.origin(), e.problem(), e);
    }
  }
}
