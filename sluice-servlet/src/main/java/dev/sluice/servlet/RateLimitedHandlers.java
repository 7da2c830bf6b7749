package dev.sluice.servlet;

import dev.sluice.http.HandlerLimits;
import dev.sluice.http.RequestLimiter;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * {@link RateLimited} annotations as the {@link RequestLimiter}'s handlers: {@link #of} for any
 * front end that found an annotated method (Spring MVC, WebFlux), and, for the servlet filter,
 * the annotation of the servlet a request is mapped to, by the servlet's class and its {@code
 * doGet}/{@code doPost}/... method.
 */
public final class RateLimitedHandlers {

  private final RequestLimiter limiter;
  private final Map<String, Optional<HandlerLimits.Handler>> byServletMethod =
      new ConcurrentHashMap<>();

  RateLimitedHandlers(RequestLimiter limiter) {
    this.limiter = limiter;
  }

  /**
   * The handler of {@code annotation} under {@code id} in {@code limiter}, created on first use.
   *
   * @param id what names the handler: {@code com.example.Orders#create} for a method, the class
   *     name for a class
   * @throws IllegalArgumentException {@code "@RateLimited on <id>: <problem>"}
   */
  public static HandlerLimits.Handler of(RequestLimiter limiter, String id,
      RateLimited annotation) {
    if (!annotation.maxWait().isBlank()) {
      throw new IllegalArgumentException("@RateLimited on " + id + ": maxWait works on methods"
          + " of Spring beans, not on web handlers, which are refused at once");
    }
    return limiter.handler(id, annotation.value(), annotation.algorithm(), annotation.key(),
        annotation.keyExpression(), annotation.cost());
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
        of(limiter, c.getName(), onClass);
      }
      for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
        for (Method m : k.getDeclaredMethods()) {
          RateLimited a = m.getAnnotation(RateLimited.class);
          if (a != null) {
            of(limiter, c.getName() + "#" + m.getName(), a);
          }
        }
      }
    }
  }

  /** The handler of the servlet {@code request} is mapped to, if it is annotated. */
  Optional<HandlerLimits.Handler> find(HttpServletRequest request) {
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

  private Optional<HandlerLimits.Handler> lookUp(ServletContext context, String servletName,
      String httpMethod) {
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
          return Optional.of(of(limiter, c.getName() + "#" + name, a));
        }
        break;  // the most specific override decides
      } catch (NoSuchMethodException e) {
        // look in the superclass
      }
    }
    RateLimited a = c.getAnnotation(RateLimited.class);
    return a == null ? Optional.empty() : Optional.of(of(limiter, c.getName(), a));
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
