package dev.sluice.servlet;

import dev.sluice.InvalidLimitException;
import dev.sluice.Limit;
import dev.sluice.RateLimiter;
import dev.sluice.http.KeyPart;
import dev.sluice.http.KeyResolver;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link RateLimited} limits of handlers: one limiter per annotated handler, created once.
 * Finds the annotation of the servlet a request is mapped to, by the servlet's class and its
 * {@code doGet}/{@code doPost}/... method.
 */
final class HandlerLimits {

  /** One annotated handler: its limiter, its key resolver (null = the filter's) and its cost. */
  record Handler(String id, RateLimiter limiter, @Nullable KeyResolver key, long cost) {}

  private final BiFunction<String, List<Limit>, RateLimiter> limiters;
  private final String apiKeyHeader;
  private final Map<String, ? extends Function<String, KeyPart>> keyParts;
  private final @Nullable Function<String, KeyResolver> keyExpressions;
  private final Map<String, Handler> byId = new ConcurrentHashMap<>();
  private final Map<String, Optional<Handler>> byServletMethod = new ConcurrentHashMap<>();

  /** {@code limiters} builds a handler's limiter from its id and limits. */
  HandlerLimits(BiFunction<String, List<Limit>, RateLimiter> limiters, String apiKeyHeader) {
    this(limiters, apiKeyHeader, Map.of(), null);
  }

  /**
   * {@code limiters} builds a handler's limiter from its id and limits; {@code keyParts} are the
   * framework's key parts, {@code keyExpressions} compiles a {@link RateLimited#keyExpression}
   * (null: none is accepted).
   */
  HandlerLimits(BiFunction<String, List<Limit>, RateLimiter> limiters, String apiKeyHeader,
      Map<String, ? extends Function<String, KeyPart>> keyParts,
      @Nullable Function<String, KeyResolver> keyExpressions) {
    this.limiters = limiters;
    this.apiKeyHeader = apiKeyHeader;
    this.keyParts = keyParts;
    this.keyExpressions = keyExpressions;
  }

  /**
   * The handler for an annotation, created on first use.
   *
   * @throws IllegalArgumentException naming the handler when the annotation is invalid
   */
  Handler handler(String id, RateLimited annotation) {
    Handler h = byId.get(id);
    if (h != null) {
      return h;
    }
    return byId.computeIfAbsent(id, i -> create(i, annotation));
  }

  private Handler create(String id, RateLimited a) {
    try {
      List<Limit> limits = limits(a);
      KeyResolver key = a.key().isBlank() ? null
          : KeyResolver.parse(a.key(), apiKeyHeader, keyParts);
      if (!a.keyExpression().isBlank()) {
        if (key != null) {
          throw new IllegalArgumentException("set key or keyExpression, not both");
        }
        if (keyExpressions == null) {
          throw new IllegalArgumentException("keyExpression needs Spring"
              + " (sluice-spring-boot-starter); the servlet filter takes key");
        }
        try {
          key = keyExpressions.apply(a.keyExpression());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("keyExpression: " + e.getMessage(), e);
        }
      }
      if (!a.maxWait().isBlank()) {
        throw new IllegalArgumentException("maxWait works on methods of Spring beans, not on"
            + " web handlers, which are refused at once");
      }
      if (a.cost() < 0) {
        throw new IllegalArgumentException("cost must be >= 0, was " + a.cost());
      }
      return new Handler(id, limiters.apply(id, limits), key, a.cost());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("@RateLimited on " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * The annotation's limits, each built once with its algorithm. A bound only that algorithm sets
   * is reported as the algorithm's, without the rate text.
   */
  private static List<Limit> limits(RateLimited a) {
    try {
      return Limit.parseAll(a.value(), a.algorithm());
    } catch (InvalidLimitException e) {
      if (e.field() == InvalidLimitException.Field.ALGORITHM) {
        throw new IllegalArgumentException(e.reason(), e);
      }
      throw e;
    }
  }

  /** Validates the annotations of every servlet in {@code context}, so errors show at start. */
  void validate(ServletContext context) {
    Map<String, ? extends ServletRegistration> all;
    try {
      all = context.getServletRegistrations();
    } catch (UnsupportedOperationException e) {
      return;
    }
    for (ServletRegistration r : all.values()) {
      Class<?> c = load(context, r.getClassName());
      if (c == null) {
        continue;
      }
      RateLimited onClass = c.getAnnotation(RateLimited.class);
      if (onClass != null) {
        handler(c.getName(), onClass);
      }
      for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
        for (Method m : k.getDeclaredMethods()) {
          RateLimited a = m.getAnnotation(RateLimited.class);
          if (a != null) {
            handler(c.getName() + "#" + m.getName(), a);
          }
        }
      }
    }
  }

  /** The handler of the servlet {@code request} is mapped to, if it is annotated. */
  Optional<Handler> find(HttpServletRequest request) {
    HttpServletMapping mapping = request.getHttpServletMapping();
    if (mapping == null || mapping.getServletName() == null) {
      return Optional.empty();
    }
    String servletName = mapping.getServletName();
    String method = request.getMethod();
    ServletContext context = request.getServletContext();
    return byServletMethod.computeIfAbsent(servletName + " " + method,
        k -> lookUp(context, servletName, method));
  }

  private Optional<Handler> lookUp(ServletContext context, String servletName, String httpMethod) {
    ServletRegistration r = context.getServletRegistration(servletName);
    Class<?> c = r == null ? null : load(context, r.getClassName());
    if (c == null) {
      return Optional.empty();
    }
    // HttpServlet answers HEAD with doGet: a HEAD counts against doGet's limits
    String verb = httpMethod.equals("HEAD") ? "GET" : httpMethod;
    String name = "do" + verb.charAt(0) + verb.substring(1).toLowerCase(Locale.ROOT);
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      try {
        Method m = k.getDeclaredMethod(name, HttpServletRequest.class, HttpServletResponse.class);
        RateLimited a = m.getAnnotation(RateLimited.class);
        if (a != null) {
          return Optional.of(handler(c.getName() + "#" + name, a));
        }
        break;  // the most specific override decides
      } catch (NoSuchMethodException e) {
        // look in the superclass
      }
    }
    RateLimited a = c.getAnnotation(RateLimited.class);
    return a == null ? Optional.empty() : Optional.of(handler(c.getName(), a));
  }

  private static @Nullable Class<?> load(ServletContext context, @Nullable String className) {
    if (className == null) {
      return null;
    }
    try {
      return Class.forName(className, false, context.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }
}
