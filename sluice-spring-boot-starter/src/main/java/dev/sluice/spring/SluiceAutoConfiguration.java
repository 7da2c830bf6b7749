package dev.sluice.spring;

import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.http.KeyResolver;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceFilter;
import dev.sluice.servlet.SluiceSettings;
import dev.sluice.spi.Backend;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Installs Sluice in a servlet web application from {@code sluice.*} properties:
 *
 * <ul>
 *   <li>a {@link Backend} ({@code sluice.backend}: memory with {@code sluice.max-keys}, or a
 *       Redis URI with {@code sluice.failure-policy} and {@code sluice.redis-timeout}), closed
 *       with the context, and a {@link RateLimiter} for {@code sluice.limits} when set (or yours,
 *       if you declare one): both from {@link SluiceCommonConfiguration}, which the reactive
 *       stack shares;
 *   <li>the {@link SluiceFilter}, registered for {@code sluice.url-patterns}, exempting what
 *       every {@link SluiceExemption} bean exempts;
 *   <li>with Spring MVC, an interceptor applying {@code @RateLimited} on controllers, whose
 *       annotations are checked at start.
 * </ul>
 *
 * <p>Keys ({@code sluice.key}, {@code @RateLimited(key)}) take Spring's parts too ({@code
 * jwt:<claim>}, {@code bean:<name>}, from {@link SluiceKeyParts}), and {@code
 * sluice.key-expression} / {@code @RateLimited(keyExpression)} take a SpEL expression.
 *
 * <p>The limiters it builds (that of {@code sluice.limits}, those of {@code @RateLimited} handlers
 * and of rules) tell every {@link LimiterListener} bean what they decide: with Micrometer, {@link
 * SluiceMetricsAutoConfiguration} declares one that counts decisions.
 *
 * Every bean backs off when the application declares its own. {@code sluice.enabled=false}
 * turns it all off.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(SluiceFilter.class)
@ConditionalOnProperty(prefix = "sluice", name = "enabled", havingValue = "true",
    matchIfMissing = true)
@Import(SluiceCommonConfiguration.class)
public class SluiceAutoConfiguration {

  static final String PREFIX = "sluice.";

  /** The filter, using the backend and limiter beans. */
  @Bean
  @ConditionalOnMissingBean
  public SluiceFilter sluiceFilter(SluiceProperties properties, Backend backend,
      ObjectProvider<RateLimiter> limiter, ObjectProvider<LimiterListener> listeners,
      ObjectProvider<SluiceExemption> exemptions, ObjectProvider<SluiceKeyParts> keyParts,
      BeanFactory beans) {
    SluiceKeyParts keys = keyParts.getIfAvailable(() -> new SluiceKeyParts(beans));
    SluiceFilter.Builder b = keys.configure(SluiceFilter.builder().backend(backend));
    limiter.ifAvailable(b::limiter);
    exemptions.orderedStream().forEach(e -> b.exempt(e::isExempt));
    LimiterListener listener = LimiterListeners.of(listeners);
    if (listener != null) {
      b.listener(listener);
    }
    // limits and the backend went into the beans above
    SluiceSettings.configure(b, SluiceSettings.read(properties.settings(false)));
    KeyResolver expression = keys.keyExpression(properties);
    if (expression != null) {
      b.key(expression);
    }
    return b.build();
  }

  /** Spring Boot's default order of Spring Security's filter chain. */
  private static final int SECURITY_FILTER_ORDER = -100;

  /**
   * Where the filter runs among servlet filters: {@code sluice.filter-order} when set; otherwise
   * early (-100), unless the key reads the authenticated principal and Spring Security is there:
   * then just after Spring Security's filter chain, which sets it. Warns when an order that was
   * set runs such a key before Spring Security: every request would count as lacking it.
   */
  static int filterOrder(SluiceProperties properties, Environment environment) {
    String key = (String.valueOf(properties.getKey()) + " "
        + properties.getKeyExpression()).toLowerCase(Locale.ROOT);
    boolean readsPrincipal = (key.contains("principal") || key.contains("jwt:"))
        && ClassUtils.isPresent("org.springframework.security.web.FilterChainProxy",
            SluiceAutoConfiguration.class.getClassLoader());
    int security = environment.getProperty("spring.security.filter.order", Integer.class,
        SECURITY_FILTER_ORDER);
    Integer set = properties.getFilterOrder();
    if (set == null) {
      return readsPrincipal ? security + 1 : SECURITY_FILTER_ORDER;
    }
    if (readsPrincipal && set <= security) {
      LogFactory.getLog(SluiceAutoConfiguration.class).warn("sluice.key reads the authenticated"
          + " principal, but Sluice's filter (sluice.filter-order=" + set
          + ") does not run after Spring Security's (spring.security.filter.order=" + security
          + "), which sets it: set sluice.filter-order above " + security
          + ", or leave it unset");
    }
    return set;
  }

  /** Maps the filter. */
  @Bean
  @ConditionalOnMissingBean(name = "sluiceFilterRegistration")
  public FilterRegistrationBean<SluiceFilter> sluiceFilterRegistration(SluiceFilter filter,
      SluiceProperties properties, Environment environment) {
    FilterRegistrationBean<SluiceFilter> r = new FilterRegistrationBean<>(filter);
    r.setName("sluice");
    r.setUrlPatterns(properties.getUrlPatterns());
    r.setOrder(filterOrder(properties, environment));
    return r;
  }

  /** {@code @RateLimited} on Spring MVC controllers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(WebMvcConfigurer.class)
  static class MvcConfiguration implements WebMvcConfigurer {
    private final SluiceFilter filter;

    MvcConfiguration(SluiceFilter filter) {
      this.filter = filter;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
      registry.addInterceptor(new RateLimitedInterceptor(filter));
    }

    /**
     * A {@link RateLimitExceededException} from a bean method a handler called becomes the
     * filter's 429 (headers, {@code Retry-After}, body), not a 500.
     */
    @Override
    public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
      resolvers.add(0, (request, response, handler, e) -> {
        if (!(e instanceof RateLimitExceededException refused) || response.isCommitted()) {
          return null;
        }
        try {
          filter.refuse(response, refused.decision());
        } catch (IOException io) {
          return null;
        }
        return new ModelAndView();
      });
    }

    /** Checks every controller's {@code @RateLimited} at start, naming the method that is wrong. */
    @Bean
    static SmartInitializingSingleton sluiceRateLimitedHandlerCheck(SluiceFilter filter,
        ListableBeanFactory beans) {
      return () -> beans.getBeansOfType(RequestMappingHandlerMapping.class, false, false)
          .values().forEach(mapping -> mapping.getHandlerMethods().values()
              .forEach(method -> RateLimitedInterceptor.check(filter, method)));
    }
  }
}
