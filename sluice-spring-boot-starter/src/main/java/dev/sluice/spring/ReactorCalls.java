package dev.sluice.spring;

import dev.sluice.Decision;
import org.aopalliance.intercept.MethodInvocation;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code @RateLimited} on methods returning a Reactor {@link Mono} or {@link Flux}: the permits are
 * acquired when the result is subscribed to, without blocking ({@code acquireAsync}), and each
 * subscription calls the method anew. Loaded only when Reactor is on the class path.
 */
final class ReactorCalls {
  private ReactorCalls() {}

  static boolean handles(Class<?> returns) {
    return returns == Mono.class || returns == Flux.class;
  }

  static Object limit(Class<?> returns, MethodLimit limit, String key,
      MethodInvocation invocation) {
    Mono<Decision> allowed = Mono.defer(() -> Mono.fromCompletionStage(limit.acquireAsync(key)))
        .flatMap(d -> d.allowed() ? Mono.just(d) : Mono.error(limit.refused(d)));
    if (returns == Mono.class) {
      return allowed.flatMap(d -> Mono.defer(() -> (Mono<?>) call(invocation)));
    }
    return allowed.flatMapMany(d -> Flux.defer(() -> (Flux<?>) call(invocation)));
  }

  private static Object call(MethodInvocation invocation) {
    try {
      Object result = RateLimitedMethodInterceptor.copy(invocation).proceed();
      if (result == null) {
        throw new IllegalStateException(invocation.getMethod() + " returned null");
      }
      return result;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
