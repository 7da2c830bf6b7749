package dev.sluice.spring.webflux;

import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.enforcement.settings.Settings;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.RequestLimiter;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceSettings;
import dev.sluice.spi.Backend;
import dev.sluice.spring.LimiterListeners;
import dev.sluice.spring.SluiceCommonConfiguration;
import dev.sluice.spring.SluiceExemption;
import dev.sluice.spring.SluiceKeyParts;
import dev.sluice.spring.SluiceProperties;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.WebFilter;

/**
 * Installs Sluice in a reactive (WebFlux) application from the same {@code sluice.*} properties as
 * a servlet application (backend, limits, key, on-missing-key, trusted proxies, headers, denial
 * body, rules, exemptions, count-statuses, refusal status): the {@link Backend} and the {@link
 * RateLimiter} of {@code sluice.limits} from {@link SluiceCommonConfiguration}, which the servlet
 * stack shares, and a {@link SluiceWebFilter} at {@code sluice.webflux.filter-order} (by default
 * right after Spring Security's filter chain) that applies them and {@code @RateLimited} on
 * handler methods.
 *
 * <p>{@code sluice.url-patterns} is the servlet filter's mapping: a reactive application has no
 * such mapping, and setting it fails startup, pointing at {@code sluice.exempt-paths}. Every bean
 * backs off when the application declares its own; {@code sluice.enabled=false} turns it all off.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({WebFilter.class, RequestLimiter.class})
@ConditionalOnProperty(prefix = "sluice", name = "enabled", havingValue = "true",
    matchIfMissing = true)
@Import(SluiceCommonConfiguration.class)
public class SluiceWebFluxAutoConfiguration {

  /** The WebFilter, on the backend and limiter beans. */
  @Bean
  @ConditionalOnMissingBean
  public SluiceWebFilter sluiceWebFilter(SluiceProperties properties, Backend backend,
      ObjectProvider<RateLimiter> limiter, ObjectProvider<LimiterListener> listeners,
      ObjectProvider<SluiceExemption> exemptions, ObjectProvider<SluiceKeyParts> keyParts,
      BeanFactory beans, ObjectProvider<HandlerMapping> mappings) {
    if (!properties.getUrlPatterns().equals(List.of("/*"))) {
      throw new InvalidSettingException("sluice.url-patterns", "maps the servlet filter only;"
          + " in a reactive application Sluice's WebFilter sees every request: leave paths out"
          + " with sluice.exempt-paths");
    }
    // limits and the backend went into the beans; Spring closes the backend
    Settings settings = SluiceSettings.read(properties.settings(false));
    SluiceKeyParts keys = keyParts.getIfAvailable(() -> new SluiceKeyParts(beans));
    RequestLimiter.Builder b = keys.configure(RequestLimiter.builder()).backend(backend)
        .closeBackend(false).listener(LimiterListeners.of(listeners));
    limiter.ifAvailable(b::limiter);
    exemptions.orderedStream().forEach(e -> b.exempt(e::isExempt));
    SluiceSettings.configure(b, settings);
    KeyResolver expression = keys.keyExpression(properties);
    if (expression != null) {
      b.key(expression);
    }
    return new SluiceWebFilter(b.build(), SluiceSettings.trustedProxies(settings),
        () -> mappings.orderedStream().toList(), properties.getWebflux().getFilterOrder());
  }

  /** Checks every handler method's {@code @RateLimited} once the application is set up. */
  @Bean
  static SmartInitializingSingleton sluiceWebFluxHandlerCheck(
      ObjectProvider<SluiceWebFilter> filter) {
    return () -> filter.ifAvailable(SluiceWebFilter::validateHandlers);
  }
}
