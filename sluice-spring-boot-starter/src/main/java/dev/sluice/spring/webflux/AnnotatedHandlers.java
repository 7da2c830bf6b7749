package dev.sluice.spring.webflux;

import dev.sluice.servlet.RateLimited;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.result.method.AbstractHandlerMethodMapping;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link RateLimited} annotation of the WebFlux handler method an exchange goes to, or of its
 * controller class (a method annotation wins), with the handler's id as the Spring MVC
 * interceptor names it: {@code com.example.Orders#create} for a method, the class name for a
 * class-wide annotation.
 *
 * <p>The handler is found as {@code DispatcherHandler} finds it: the first of the application's
 * {@link HandlerMapping}s, in their order, that has one for the exchange (the mappings only look
 * up their tables; nothing blocks). Requests go through no lookup at all when no handler method
 * of {@code handlerMethods} carries the annotation.
 */
final class AnnotatedHandlers {

  /** A handler's annotation and the id its counters are kept under. */
  record Annotated(String id, RateLimited annotation) {}

  private final List<HandlerMapping> mappings;
  private final boolean any;
  private final Map<Key, Optional<Annotated>> byMethod = new ConcurrentHashMap<>();

  /** A method as a handler of one bean type (an inherited method may serve several). */
  private record Key(Class<?> beanType, Method method) {}

  /**
   * @param mappings the application's handler mappings, in order
   * @param handlerMethods every handler method they map (to find out whether any is annotated)
   */
  AnnotatedHandlers(List<HandlerMapping> mappings, Iterable<HandlerMethod> handlerMethods) {
    this.mappings = List.copyOf(mappings);
    boolean found = false;
    for (HandlerMethod m : handlerMethods) {
      found |= annotated(m).isPresent();
    }
    this.any = found;
  }

  /** Every handler method of the {@code mappings} that map methods (annotated controllers). */
  static List<HandlerMethod> handlerMethods(List<HandlerMapping> mappings) {
    List<HandlerMethod> all = new ArrayList<>();
    for (HandlerMapping m : mappings) {
      if (m instanceof AbstractHandlerMethodMapping<?> methods) {
        all.addAll(methods.getHandlerMethods().values());
      }
    }
    return all;
  }

  /** Every annotated handler method among {@code handlerMethods}, for validation at start. */
  static List<Annotated> all(Iterable<HandlerMethod> handlerMethods) {
    List<Annotated> all = new ArrayList<>();
    for (HandlerMethod m : handlerMethods) {
      find(m).ifPresent(all::add);
    }
    return all;
  }

  /** The annotation of the handler {@code exchange} goes to; empty when none or not a method. */
  Mono<Optional<Annotated>> find(ServerWebExchange exchange) {
    if (!any) {
      return Mono.just(Optional.empty());
    }
    return Flux.fromIterable(mappings)
        .concatMap(m -> m.getHandler(exchange))
        .next()
        .map(h -> h instanceof HandlerMethod m ? annotated(m) : Optional.<Annotated>empty())
        .defaultIfEmpty(Optional.empty());
  }

  private Optional<Annotated> annotated(HandlerMethod m) {
    return byMethod.computeIfAbsent(new Key(m.getBeanType(), m.getMethod()), k -> find(m));
  }

  private static Optional<Annotated> find(HandlerMethod m) {
    Class<?> type = m.getBeanType();
    RateLimited onMethod = AnnotatedElementUtils.findMergedAnnotation(m.getMethod(),
        RateLimited.class);
    if (onMethod != null) {
      return Optional.of(new Annotated(type.getName() + "#" + m.getMethod().getName(), onMethod));
    }
    @Nullable RateLimited onClass = AnnotatedElementUtils.findMergedAnnotation(type,
        RateLimited.class);
    return onClass == null ? Optional.empty() : Optional.of(new Annotated(type.getName(), onClass));
  }
}
