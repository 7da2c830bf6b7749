package dev.sluice.spring;

import dev.sluice.Decision;
import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.settings.Dialect;
import dev.sluice.enforcement.settings.ValueTypes;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.RateLimited;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;

/**
 * Applies {@link RateLimited} on methods (and classes) of Spring beans that are not web handlers:
 * the pointcut leaves out {@code @Controller}/{@code @RestController} beans (the web layer applies
 * their annotations, so a call is never counted twice) and servlets. Each annotated method has its
 * own limiter, named by its id ({@code com.example.Payments#charge}, or the class name for a
 * class-wide annotation); the annotation is checked when the bean is proxied, so a wrong one fails
 * startup naming the method.
 *
 * <p>A call takes {@code cost} permits under the key from {@code keyExpression} (SpEL over the
 * arguments: {@code #p0}, {@code #a0}, {@code #name} with {@code -parameters}; empty: one counter
 * for the method), waiting up to {@code maxWait} when set. A refusal throws {@link
 * RateLimitExceededException}. A method returning {@code CompletionStage}/{@code
 * CompletableFuture} is not blocked: its result completes after the (asynchronous) acquisition, or
 * fails with the exception; a Reactor {@code Mono}/{@code Flux} acquires when subscribed.
 */
final class RateLimitedMethodInterceptor implements MethodInterceptor {

  private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
      RateLimitedMethodInterceptor.class.getClassLoader());

  /** The longest {@code maxWait}. */
  static final Duration MAX_WAIT = Duration.ofHours(1);

  private final BiFunction<String, List<Limit>, RateLimiter> limiters;
  private final KeyFailures failures = new KeyFailures();
  private final Map<MethodClassKey, Optional<MethodLimit>> byMethod = new ConcurrentHashMap<>();
  private final Map<String, MethodLimit> byId = new ConcurrentHashMap<>();

  /** {@code limiters} builds a method's limiter from its id and limits, on first use. */
  RateLimitedMethodInterceptor(BiFunction<String, List<Limit>, RateLimiter> limiters) {
    this.limiters = limiters;
  }

  /** Where the interceptor applies: annotated methods of beans that are not web handlers. */
  final class Pointcut extends StaticMethodMatcherPointcut {
    Pointcut() {
      setClassFilter(RateLimitedMethodInterceptor::appliesTo);
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
      return limitOf(method, targetClass).isPresent();
    }
  }

  /** Whether a bean class is one the interceptor looks into (not a controller, not a servlet). */
  static boolean appliesTo(Class<?> type) {
    return !AnnotatedElementUtils.hasAnnotation(type, Controller.class) && !isServlet(type);
  }

  private static boolean isServlet(Class<?> type) {
    for (Class<?> c : ClassUtils.getAllInterfacesForClassAsSet(type)) {
      if (c.getName().equals("jakarta.servlet.Servlet")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The limit of {@code method} called on {@code targetClass}, built once.
   *
   * @throws InvalidSettingException naming the method when its annotation is wrong
   */
  Optional<MethodLimit> limitOf(Method method, @Nullable Class<?> targetClass) {
    MethodClassKey k = new MethodClassKey(method, targetClass);
    Optional<MethodLimit> l = byMethod.get(k);
    if (l == null) {
      l = byMethod.computeIfAbsent(k, x -> create(method, targetClass));
    }
    return l;
  }

  private Optional<MethodLimit> create(Method method, @Nullable Class<?> targetClass) {
    if (method.getDeclaringClass() == Object.class) {
      return Optional.empty();
    }
    Class<?> type = targetClass != null ? targetClass : method.getDeclaringClass();
    Method specific = AopUtils.getMostSpecificMethod(method, type);
    RateLimited a = AnnotatedElementUtils.findMergedAnnotation(specific, RateLimited.class);
    String id = ClassUtils.getUserClass(type).getName() + "#" + specific.getName();
    if (a == null) {
      a = AnnotatedElementUtils.findMergedAnnotation(type, RateLimited.class);
      id = ClassUtils.getUserClass(type).getName();
    }
    if (a == null) {
      return Optional.empty();
    }
    // one limit per id: the methods of a class-wide annotation share its counter
    RateLimited annotation = a;
    return Optional.of(byId.computeIfAbsent(id, i -> {
      try {
        return build(i, annotation);
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException("@RateLimited on " + i,
            String.valueOf(e.getMessage()), e);
      }
    }));
  }

  private MethodLimit build(String id, RateLimited a) {
    List<Limit> limits;
    try {
      limits = Limit.parseAll(a.value(), a.algorithm());
    } catch (InvalidLimitException e) {
      throw new IllegalArgumentException(e.field() == InvalidLimitException.Field.ALGORITHM
          ? e.reason() : e.getMessage(), e);
    }
    if (a.cost() < 0) {
      throw new IllegalArgumentException("cost must be >= 0, was " + a.cost());
    }
    if (!a.key().isBlank()) {
      throw new IllegalArgumentException("key '" + a.key() + "' reads an HTTP request; on a"
          + " method that is not a web handler use keyExpression over the arguments");
    }
    Expression key = null;
    if (!a.keyExpression().isBlank()) {
      try {
        key = RequestKeyExpression.compile(a.keyExpression());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("keyExpression: " + e.getMessage(), e);
      }
    }
    Duration maxWait = null;
    if (!a.maxWait().isBlank()) {
      try {
        maxWait = ValueTypes.duration(Duration.ZERO, MAX_WAIT).parse(a.maxWait(), Dialect.FILTER);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("maxWait: " + e.getMessage(), e);
      }
    }
    return new MethodLimit(id, limits, a.cost(), maxWait, key, a.keyExpression(), limiters,
        failures);
  }

  @Override
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
    Optional<MethodLimit> found = limitOf(invocation.getMethod(), targetClass);
    if (found.isEmpty()) {
      return invocation.proceed();
    }
    MethodLimit limit = found.get();
    String key = limit.key(invocation.getMethod(), invocation.getArguments());
    Class<?> returns = invocation.getMethod().getReturnType();
    if (returns == CompletionStage.class || returns == CompletableFuture.class) {
      return limit.acquireAsync(key).toCompletableFuture()
          .thenCompose(d -> proceedAsync(limit, d, invocation));
    }
    if (REACTOR && ReactorCalls.handles(returns)) {
      return ReactorCalls.limit(returns, limit, key, invocation);
    }
    Decision d = limit.acquire(key);
    if (!d.allowed()) {
      throw limit.refused(d);
    }
    return invocation.proceed();
  }

  @SuppressWarnings("unchecked")
  private static CompletionStage<Object> proceedAsync(MethodLimit limit, Decision d,
      MethodInvocation invocation) {
    if (!d.allowed()) {
      return CompletableFuture.failedFuture(limit.refused(d));
    }
    try {
      Object result = invocation.proceed();
      return result == null ? CompletableFuture.completedFuture(null)
          : (CompletionStage<Object>) result;
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }

  /** A fresh invocation for each subscription of a lazy result. */
  static MethodInvocation copy(MethodInvocation invocation) {
    return invocation instanceof ProxyMethodInvocation p ? p.invocableClone() : invocation;
  }
}
