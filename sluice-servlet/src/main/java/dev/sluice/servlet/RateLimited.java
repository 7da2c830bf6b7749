package dev.sluice.servlet;

import dev.sluice.Algorithm;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits for one handler, on top of the filter's own limits.
 *
 * <p>Where it is read:
 *
 * <ul>
 *   <li>On a plain {@code HttpServlet} (class, or its {@code doGet}/{@code doPost}/... method):
 *       {@link SluiceFilter} finds the servlet that the container mapped the request to ({@code
 *       HttpServletRequest.getHttpServletMapping()}) and reads the annotation from its class; a
 *       method annotation wins over the class one. Works in any Servlet 6 container, for servlets
 *       registered by class or instance.
 *   <li>On a Spring MVC controller class or handler method, through the interceptor that {@code
 *       sluice-spring-boot-starter} registers.
 * </ul>
 *
 * <p>Other frameworks that dispatch inside one servlet (JAX-RS, ...) are not looked into: the
 * annotation would have to sit on the dispatching servlet. Counters are per handler: two handlers
 * with the same limits count separately.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RateLimited {

  /**
   * The limits, as {@code dev.sluice.Limit.parseAll}: {@code "5 per 10 seconds"}, {@code
   * "2/minute;10/hour"}.
   */
  String value();

  /**
   * The key resolver, as the filter's {@code key} setting ({@code ip}, {@code user}, {@code
   * api-key}, {@code header:X-Tenant}, {@code path}, {@code method}, joined by {@code +}); empty
   * means the filter's.
   */
  String key() default "";

  /** Permits one request takes. */
  long cost() default 1;

  /** How the limits count. */
  Algorithm algorithm() default Algorithm.TOKEN_BUCKET;
}
