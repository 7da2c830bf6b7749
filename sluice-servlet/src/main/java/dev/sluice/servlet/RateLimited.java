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
 *   <li>On a method (or class) of any other Spring bean, through the starter's method interceptor
 *       (AOP): a refusal throws {@code dev.sluice.spring.RateLimitExceededException}; {@link
 *       #maxWait} lets the call wait for its permits instead.
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

  /**
   * The key as a Spring expression (SpEL), instead of {@link #key}; needs {@code
   * sluice-spring-boot-starter} (the plain servlet filter rejects it at start). On a web handler
   * its root is the request ({@code dev.sluice.http.RequestContext}: {@code method}, {@code path},
   * {@code header('X-Tenant')}, {@code principalName}, ...) with the variables {@code #request}
   * (the framework's request) and {@code #principal}; on another bean's method it sees the
   * method's arguments ({@code #p0}, {@code #a0}, or {@code #name} for code compiled with {@code
   * -parameters}). Empty means {@link #key}.
   */
  String keyExpression() default "";

  /** Permits one request takes. */
  long cost() default 1;

  /** How the limits count. */
  Algorithm algorithm() default Algorithm.TOKEN_BUCKET;

  /**
   * How long a call may wait for its permits ({@code 2s}, {@code 500ms}, ISO-8601 {@code PT2S})
   * before it is refused; only on methods of Spring beans that are not web handlers (a web
   * handler's annotation with it fails at start). Empty: no waiting.
   */
  String maxWait() default "";
}
