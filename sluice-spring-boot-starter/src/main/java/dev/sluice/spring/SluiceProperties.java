package dev.sluice.spring;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.settings.Sources;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.OnMissingKey;
import dev.sluice.servlet.SluiceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice.*} properties. Each is one of the filter's settings ({@link SluiceSettings},
 * shared with {@code web.xml} init-params) and goes to them as Spring binds it: typed values
 * (styles, policies, durations, numbers) as they are, text as text, so a wrong value fails
 * startup with a message that starts with the property's name. An unset property takes the
 * setting's default.
 */
@ConfigurationProperties(prefix = "sluice")
public class SluiceProperties {

  /** Whether to install the filter and beans at all. */
  private boolean enabled = true;

  /** Limits applied to every request, e.g. {@code 5 per 10 seconds} or {@code 2/minute;10/hour}. */
  private @Nullable String limits;

  /**
   * How the limits count: token-bucket (default), gcra, fixed-window, sliding-window-log,
   * sliding-window-counter.
   */
  private @Nullable Algorithm algorithm;

  /**
   * How clients are told apart: ip (default), user, principal, api-key, header:Name,
   * attribute:Name, jwt:claim, bean:name, path, method, joined by +.
   */
  private @Nullable String key;

  /**
   * The key as a SpEL expression over the request, instead of {@code key}: root the request
   * (method, path, header('X-Tenant'), principalName, attribute('name'), ...), variables #request
   * and #principal; null or blank at run time follows on-missing-key.
   */
  private @Nullable String keyExpression;

  /** When the key needs an identity the request lacks: ip (default, count by address) or reject (401). */
  private @Nullable OnMissingKey onMissingKey;

  /** The header the api-key key part reads (default X-API-Key). */
  private @Nullable String apiKeyHeader;

  /** Rate limit headers: x-ratelimit (default), ietf, both or none. */
  private @Nullable HeaderStyle headers;

  /** Whether allowed responses carry the headers too (default true). */
  private @Nullable Boolean headersOnAllowed;

  /** Proxies (addresses or CIDR ranges) whose Forwarded / X-Forwarded-For are believed. */
  private List<String> trustedProxies = new ArrayList<>();

  /** Where counters live: memory (default), or a Redis URI (redis://host:6379). */
  private @Nullable String backend;

  /** With Redis: fail-open (default), fail-closed or local-fallback. */
  private @Nullable FailurePolicy failurePolicy;

  /** With Redis: how long one decision may take before the failure policy answers (default 50ms). */
  private @Nullable Duration redisTimeout;

  /**
   * With Redis: how long one decision may take during the backend's first minute, while the JVM
   * still compiles (default 1s; 0: redis-timeout from the start).
   */
  private @Nullable Duration redisStartTimeout;

  /** With the memory backend: the most keys it holds at once (default 1000000). */
  private @Nullable Long maxKeys;

  /** A rules file or directory in envoy's format (with Sluice routes). */
  private @Nullable String rules;

  /** The rules domain to match; default the rules' only domain. */
  private @Nullable String domain;

  /** How a route's descriptors are counted: all-or-nothing (the default) or each. */
  private Enforcer.@Nullable Counting descriptorCounting;

  /** The 429 body template; placeholders {retryAfter}, {limit}, {remaining}, {reset}, {name}. */
  private @Nullable String denialBody;

  /** The 429 body's content type. */
  private @Nullable String denialContentType;

  /** Costs by path pattern, e.g. {@code /search/**=5, /export=20}; others cost 1. */
  private @Nullable String costs;

  /**
   * Client addresses or CIDR ranges (after trusted proxies) whose requests are neither counted nor
   * given headers, e.g. {@code 10.0.0.0/8, 127.0.0.1}.
   */
  private List<String> exemptAddresses = new ArrayList<>();

  /**
   * Path patterns whose requests are neither counted nor given headers, e.g. {@code /health,
   * /actuator/**} ({@code *} within a segment, {@code **} across).
   */
  private List<String> exemptPaths = new ArrayList<>();

  /**
   * Count only responses with these statuses, e.g. {@code 401,403}, {@code 400-499} or {@code 5xx}:
   * the cost is held before the handler and given back for other statuses. Default: every request
   * counts.
   */
  private @Nullable String countStatuses;

  /** The status of a refusal, 400 to 599 (default 429). */
  private @Nullable Integer refusalStatus;

  /**
   * Whether to count decisions in Micrometer when the application has a MeterRegistry (e.g. with
   * spring-boot-starter-actuator).
   */
  private boolean metrics = true;

  /** URL patterns the filter is mapped to. */
  private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

  /**
   * The filter's order among servlet filters. Unset: -100 (early, after Spring's own first
   * filters), or, when the key reads the authenticated principal ({@code principal}, {@code
   * jwt:}) and Spring Security is there, just after Spring Security's filter chain.
   */
  private @Nullable Integer filterOrder;

  /** Reactive (WebFlux) applications. */
  private final WebFlux webflux = new WebFlux();

  /**
   * The properties as the settings of Sluice's front ends (the servlet filter, the reactive
   * WebFilter), for {@link SluiceSettings#read(dev.sluice.enforcement.settings.Source)}; without
   * {@code limits} and {@code algorithm} when {@code withLimits} is false (the limiter bean has
   * them).
   */
  public Sources.Bound settings(boolean withLimits) {
    Sources.Bound b = Sources.bound(SluiceAutoConfiguration.PREFIX);
    if (withLimits) {
      b.text(SluiceSettings.LIMITS, limits).value(SluiceSettings.ALGORITHM, algorithm);
    }
    return b.text(SluiceSettings.KEY, key)
        .value(SluiceSettings.ON_MISSING_KEY, onMissingKey)
        .text(SluiceSettings.API_KEY_HEADER, apiKeyHeader)
        .value(SluiceSettings.HEADERS, headers)
        .value(SluiceSettings.HEADERS_ON_ALLOWED, headersOnAllowed)
        .value(SluiceSettings.TRUSTED_PROXIES, trustedProxies)
        .text(SluiceSettings.BACKEND, backend)
        .value(SluiceSettings.FAILURE_POLICY, failurePolicy)
        .value(SluiceSettings.REDIS_TIMEOUT, redisTimeout)
        .value(SluiceSettings.REDIS_START_TIMEOUT, redisStartTimeout)
        .value(SluiceSettings.MAX_KEYS, maxKeys)
        .text(SluiceSettings.RULES, rules)
        .text(SluiceSettings.DOMAIN, domain)
        .value(SluiceSettings.DESCRIPTOR_COUNTING, descriptorCounting)
        .text(SluiceSettings.DENIAL_BODY, denialBody)
        .text(SluiceSettings.DENIAL_CONTENT_TYPE, denialContentType)
        .text(SluiceSettings.COSTS, costs)
        .value(SluiceSettings.EXEMPT_ADDRESSES, exemptAddresses)
        .value(SluiceSettings.EXEMPT_PATHS, exemptPaths)
        .text(SluiceSettings.COUNT_STATUSES, countStatuses)
        .value(SluiceSettings.REFUSAL_STATUS, refusalStatus);
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable String getLimits() {
    return limits;
  }

  public void setLimits(@Nullable String limits) {
    this.limits = limits;
  }

  public @Nullable Algorithm getAlgorithm() {
    return algorithm;
  }

  public void setAlgorithm(@Nullable Algorithm algorithm) {
    this.algorithm = algorithm;
  }

  public @Nullable String getKey() {
    return key;
  }

  public void setKey(@Nullable String key) {
    this.key = key;
  }

  public @Nullable String getKeyExpression() {
    return keyExpression;
  }

  public void setKeyExpression(@Nullable String keyExpression) {
    this.keyExpression = keyExpression;
  }

  public @Nullable OnMissingKey getOnMissingKey() {
    return onMissingKey;
  }

  public void setOnMissingKey(@Nullable OnMissingKey onMissingKey) {
    this.onMissingKey = onMissingKey;
  }

  public @Nullable String getApiKeyHeader() {
    return apiKeyHeader;
  }

  public void setApiKeyHeader(@Nullable String apiKeyHeader) {
    this.apiKeyHeader = apiKeyHeader;
  }

  public @Nullable HeaderStyle getHeaders() {
    return headers;
  }

  public void setHeaders(@Nullable HeaderStyle headers) {
    this.headers = headers;
  }

  public @Nullable Boolean getHeadersOnAllowed() {
    return headersOnAllowed;
  }

  public void setHeadersOnAllowed(@Nullable Boolean headersOnAllowed) {
    this.headersOnAllowed = headersOnAllowed;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  public @Nullable String getBackend() {
    return backend;
  }

  public void setBackend(@Nullable String backend) {
    this.backend = backend;
  }

  public @Nullable FailurePolicy getFailurePolicy() {
    return failurePolicy;
  }

  public void setFailurePolicy(@Nullable FailurePolicy failurePolicy) {
    this.failurePolicy = failurePolicy;
  }

  public @Nullable Duration getRedisTimeout() {
    return redisTimeout;
  }

  public void setRedisTimeout(@Nullable Duration redisTimeout) {
    this.redisTimeout = redisTimeout;
  }

  public @Nullable Duration getRedisStartTimeout() {
    return redisStartTimeout;
  }

  public void setRedisStartTimeout(@Nullable Duration redisStartTimeout) {
    this.redisStartTimeout = redisStartTimeout;
  }

  public @Nullable Long getMaxKeys() {
    return maxKeys;
  }

  public void setMaxKeys(@Nullable Long maxKeys) {
    this.maxKeys = maxKeys;
  }

  public @Nullable String getRules() {
    return rules;
  }

  public void setRules(@Nullable String rules) {
    this.rules = rules;
  }

  public @Nullable String getDomain() {
    return domain;
  }

  public void setDomain(@Nullable String domain) {
    this.domain = domain;
  }

  public Enforcer.@Nullable Counting getDescriptorCounting() {
    return descriptorCounting;
  }

  public void setDescriptorCounting(Enforcer.@Nullable Counting descriptorCounting) {
    this.descriptorCounting = descriptorCounting;
  }

  public @Nullable String getDenialBody() {
    return denialBody;
  }

  public void setDenialBody(@Nullable String denialBody) {
    this.denialBody = denialBody;
  }

  public @Nullable String getDenialContentType() {
    return denialContentType;
  }

  public void setDenialContentType(@Nullable String denialContentType) {
    this.denialContentType = denialContentType;
  }

  public @Nullable String getCosts() {
    return costs;
  }

  public void setCosts(@Nullable String costs) {
    this.costs = costs;
  }

  public List<String> getExemptAddresses() {
    return exemptAddresses;
  }

  public void setExemptAddresses(List<String> exemptAddresses) {
    this.exemptAddresses = exemptAddresses;
  }

  public List<String> getExemptPaths() {
    return exemptPaths;
  }

  public void setExemptPaths(List<String> exemptPaths) {
    this.exemptPaths = exemptPaths;
  }

  public @Nullable String getCountStatuses() {
    return countStatuses;
  }

  public void setCountStatuses(@Nullable String countStatuses) {
    this.countStatuses = countStatuses;
  }

  public @Nullable Integer getRefusalStatus() {
    return refusalStatus;
  }

  public void setRefusalStatus(@Nullable Integer refusalStatus) {
    this.refusalStatus = refusalStatus;
  }

  public boolean isMetrics() {
    return metrics;
  }

  public void setMetrics(boolean metrics) {
    this.metrics = metrics;
  }

  public List<String> getUrlPatterns() {
    return urlPatterns;
  }

  public void setUrlPatterns(List<String> urlPatterns) {
    this.urlPatterns = urlPatterns;
  }

  public @Nullable Integer getFilterOrder() {
    return filterOrder;
  }

  public void setFilterOrder(@Nullable Integer filterOrder) {
    this.filterOrder = filterOrder;
  }

  public WebFlux getWebflux() {
    return webflux;
  }

  /** The {@code sluice.webflux.*} properties: Sluice's {@code WebFilter} in reactive applications. */
  public static class WebFlux {

    /**
     * The WebFilter's order: by default -99, right after Spring Security's WebFilterChainProxy
     * (-100), so that the authenticated principal is known when the key is resolved.
     */
    private int filterOrder = -99;

    public int getFilterOrder() {
      return filterOrder;
    }

    public void setFilterOrder(int filterOrder) {
      this.filterOrder = filterOrder;
    }
  }
}
