package dev.sluice.spring;

import dev.sluice.servlet.RateLimited;
import dev.sluice.servlet.SluiceFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
    RateLimited onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(),
        RateLimited.class);
    if (onMethod != null) {
      return filter.applyHandler(request, response,
          method.getBeanType().getName() + "#" + method.getMethod().getName(), onMethod);
    }
    RateLimited onClass = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(),
        RateLimited.class);
    if (onClass != null) {
      return filter.applyHandler(request, response, method.getBeanType().getName(), onClass);
    }
    return true;
  }
}
