package dev.sluice.spring;

import dev.sluice.http.RequestContext;

/**
 * Declare a bean of this type to exempt requests from every Sluice limit: an exempt request is
 * neither counted nor given rate limit headers. Each bean is asked in turn; any one that answers
 * true exempts the request. Besides {@code sluice.exempt-addresses} and {@code
 * sluice.exempt-paths}.
 *
 * <pre>{@code
 * @Bean
 * SluiceExemption internalTools() {
 *   return request -> request.header("X-Internal-Token").filter(secret::equals).isPresent();
 * }
 * }</pre>
 *
 * <p>An exemption that throws makes the request's decision fail: it is answered 500 with a problem
 * body (no stack trace) and logged.
 */
@FunctionalInterface
public interface SluiceExemption {

  /**
   * Whether {@code request} (method, path, client address after trusted proxies, headers) is
   * exempt.
   */
  boolean isExempt(RequestContext request);
}
