package dev.sluice.spring;

import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.RateLimited;
import dev.sluice.servlet.SluiceFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Applies {@link RateLimited} on a Spring MVC handler method, or on its controller class (one
 * counter for the whole class), through {@link SluiceFilter#applyHandler}. A method annotation
 * wins over the class one.
 */
final class RateLimitedInterceptor implements HandlerInterceptor {

  private final SluiceFilter filter;

  RateLimitedInterceptor(SluiceFilter filter) {
    this.filter = filter;
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response,
      Object handler) throws IOException {
    if (!(handler instanceof HandlerMethod method)) {
      return true;
    }
    String id = id(method);
    RateLimited a = annotation(method);
    return a == null || filter.applyHandler(request, response, id, a);
  }

  /**
   * Checks the annotation of {@code method}, if any, through the filter.
   *
   * @throws InvalidSettingException naming the method when it is wrong
   */
  static void check(SluiceFilter filter, HandlerMethod method) {
    RateLimited a = annotation(method);
    if (a == null) {
      return;
    }
    String id = id(method);
    try {
      filter.checkHandler(id, a);
    } catch (IllegalArgumentException e) {
      String setting = "@RateLimited on " + id;
      String message = String.valueOf(e.getMessage());
      throw new InvalidSettingException(setting, message.startsWith(setting + ": ")
          ? message.substring(setting.length() + 2) : message, e);
    }
  }

  /** The method's annotation, else its controller's; null when neither has one. */
  private static @Nullable RateLimited annotation(HandlerMethod method) {
    RateLimited onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(),
        RateLimited.class);
    return onMethod != null ? onMethod
        : AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RateLimited.class);
  }

  /** {@code Controller#method} for a method annotation, the class name for a class one. */
  private static String id(HandlerMethod method) {
    return AnnotatedElementUtils.hasAnnotation(method.getMethod(), RateLimited.class)
        ? method.getBeanType().getName() + "#" + method.getMethod().getName()
        : method.getBeanType().getName();
  }
}
