package dev.sluice.spring;

import dev.sluice.http.RequestContext;
import org.jspecify.annotations.Nullable;

/**
 * A key part computed by application code: declare a bean of this type (a class or a lambda) and
 * name it in a key, {@code sluice.key=bean:tenantKey} or {@code @RateLimited(key =
 * "bean:tenantKey")}.
 *
 * <pre>{@code
 * @Bean
 * RequestKeyResolver tenantKey() {
 *   return request -> request.header("X-Tenant").orElse(null);
 * }
 * }</pre>
 *
 * <p>Null or blank means the request lacks the part: the {@code sluice.on-missing-key} policy
 * applies (count under the client address, or answer 401). A resolver that throws is treated the
 * same way, and logged (a warning the first time each exception type is seen, then at debug
 * level); the client never sees the exception. Called on the request's thread, concurrently.
 */
@FunctionalInterface
public interface RequestKeyResolver {

  /** The key part for {@code request}, or null when the request lacks it. */
  @Nullable String resolve(RequestContext request);
}
