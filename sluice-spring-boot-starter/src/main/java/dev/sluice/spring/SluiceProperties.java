package dev.sluice.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice.*} properties. Values are text checked by {@link
 * dev.sluice.servlet.SluiceSettings}, the parser {@code web.xml} init-params go through too, so a
 * wrong value fails startup with a message that starts with the property's name.
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
  private @Nullable String algorithm;

  /** How clients are told apart: ip, user, api-key, header:Name, path, method, joined by +. */
  private String key = "ip";

  /** When the key needs an identity the request lacks: ip (count by address) or reject (401). */
  private String onMissingKey = "ip";

  /** The header the api-key key part reads. */
  private String apiKeyHeader = "X-API-Key";

  /** Rate limit headers: x-ratelimit, ietf, both or none. */
  private String headers = "x-ratelimit";

  /** Whether allowed responses carry the headers too. */
  private boolean headersOnAllowed = true;

  /** Proxies (addresses or CIDR ranges) whose Forwarded / X-Forwarded-For are believed. */
  private List<String> trustedProxies = new ArrayList<>();

  /** Where counters live: memory, or a Redis URI (redis://host:6379). */
  private String backend = "memory";

  /** With Redis: fail-open, fail-closed or local-fallback. */
  private @Nullable String failurePolicy;

  /** With Redis: how long one decision may take before the failure policy answers (50ms). */
  private @Nullable String redisTimeout;

  /** A rules file or directory in envoy's format (with Sluice routes). */
  private @Nullable String rules;

  /** The rules domain to match; default the rules' only domain. */
  private @Nullable String domain;

  /** The 429 body template; placeholders {retryAfter}, {limit}, {remaining}, {reset}, {name}. */
  private @Nullable String denialBody;

  /** The 429 body's content type. */
  private @Nullable String denialContentType;

  /** Costs by path pattern, e.g. {@code /search/**=5, /export=20}; others cost 1. */
  private @Nullable String costs;

  /**
   * Whether to count decisions in Micrometer when the application has a MeterRegistry (e.g. with
   * spring-boot-starter-actuator).
   */
  private boolean metrics = true;

  /** URL patterns the filter is mapped to. */
  private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

  /** The filter's order among servlet filters (early, after Spring's own first filters). */
  private int filterOrder = -100;

  /** The values handed to {@code SluiceSettings}, by setting name; unset ones are absent. */
  Map<String, String> settings() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "limits", limits);
    put(m, "algorithm", algorithm);
    put(m, "key", key);
    put(m, "on-missing-key", onMissingKey);
    put(m, "api-key-header", apiKeyHeader);
    put(m, "headers", headers);
    put(m, "headers-on-allowed", Boolean.toString(headersOnAllowed));
    put(m, "trusted-proxies", String.join(",", trustedProxies));
    put(m, "backend", backend);
    put(m, "failure-policy", failurePolicy);
    put(m, "redis-timeout", redisTimeout);
    put(m, "rules", rules);
    put(m, "domain", domain);
    put(m, "denial-body", denialBody);
    put(m, "denial-content-type", denialContentType);
    put(m, "costs", costs);
    return m;
  }

  private static void put(Map<String, String> m, String name, @Nullable String value) {
    if (value != null) {
      m.put(name, value);
    }
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

  public @Nullable String getAlgorithm() {
    return algorithm;
  }

  public void setAlgorithm(@Nullable String algorithm) {
    this.algorithm = algorithm;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getOnMissingKey() {
    return onMissingKey;
  }

  public void setOnMissingKey(String onMissingKey) {
    this.onMissingKey = onMissingKey;
  }

  public String getApiKeyHeader() {
    return apiKeyHeader;
  }

  public void setApiKeyHeader(String apiKeyHeader) {
    this.apiKeyHeader = apiKeyHeader;
  }

  public String getHeaders() {
    return headers;
  }

  public void setHeaders(String headers) {
    this.headers = headers;
  }

  public boolean isHeadersOnAllowed() {
    return headersOnAllowed;
  }

  public void setHeadersOnAllowed(boolean headersOnAllowed) {
    this.headersOnAllowed = headersOnAllowed;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  public String getBackend() {
    return backend;
  }

  public void setBackend(String backend) {
    this.backend = backend;
  }

  public @Nullable String getFailurePolicy() {
    return failurePolicy;
  }

  public void setFailurePolicy(@Nullable String failurePolicy) {
    this.failurePolicy = failurePolicy;
  }

  public @Nullable String getRedisTimeout() {
    return redisTimeout;
  }

  public void setRedisTimeout(@Nullable String redisTimeout) {
    this.redisTimeout = redisTimeout;
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

  public int getFilterOrder() {
    return filterOrder;
  }

  public void setFilterOrder(int filterOrder) {
    this.filterOrder = filterOrder;
  }
}
