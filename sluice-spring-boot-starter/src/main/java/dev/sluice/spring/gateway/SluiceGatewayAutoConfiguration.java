package dev.sluice.spring.gateway;

import dev.sluice.LimiterListener;
import dev.sluice.http.HeaderStyle;
import dev.sluice.servlet.SluiceSettings;
import dev.sluice.spi.Backend;
import dev.sluice.spring.SluiceCommonConfiguration;
import dev.sluice.spring.SluiceProperties;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Sluice for Spring Cloud Gateway (WebFlux): a {@link SluiceGatewayRateLimiter} bean named
 * {@value #BEAN_NAME} for the {@code RequestRateLimiter} filter ({@code rate-limiter:
 * "#{@sluiceRateLimiter}"}, or the filter's default when it is the only {@code RateLimiter}
 * bean), on the {@link Backend} of {@code sluice.backend} (memory or Redis; from {@link
 * SluiceCommonConfiguration}, as every Sluice front end's), with the headers of
 * {@code sluice.headers} / {@code sluice.headers-on-allowed}, and every {@link LimiterListener}
 * bean (metrics) hearing its route limiters. The routes of the application's properties are
 * checked at startup.
 *
 * <p>Ordered before the gateway's own auto-configuration, whose {@code RequestRateLimiter}
 * factory exists only when a {@code RateLimiter} bean does. Backs off when the application
 * declares its own {@link SluiceGatewayRateLimiter} or a bean named {@value #BEAN_NAME}, or its
 * own {@link Backend}; off with {@code sluice.enabled=false}.
 */
@AutoConfiguration(beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({AbstractRateLimiter.class, SluiceSettings.class})
@ConditionalOnExpression("${sluice.enabled:true} and ${" + GatewayProperties.PREFIX
    + ".enabled:true}")
@Import(SluiceCommonConfiguration.class)
public class SluiceGatewayAutoConfiguration {

  /** The name of the rate limiter bean, for {@code rate-limiter: "#{@sluiceRateLimiter}"}. */
  public static final String BEAN_NAME = "sluiceRateLimiter";

  /** The {@code RequestRateLimiter} filter's rate limiter. */
  @Bean(BEAN_NAME)
  @ConditionalOnMissingBean(value = SluiceGatewayRateLimiter.class, name = BEAN_NAME)
  public SluiceGatewayRateLimiter sluiceRateLimiter(SluiceProperties properties, Backend backend,
      ConfigurationService configurationService, ObjectProvider<LimiterListener> listeners) {
    var settings = SluiceSettings.read(properties.settings(false));
    HeaderStyle style = settings.get(SluiceSettings.HEADERS);
    boolean onAllowed = settings.get(SluiceSettings.HEADERS_ON_ALLOWED);
    List<LimiterListener> all = listeners.orderedStream().toList();
    return new SluiceGatewayRateLimiter(backend, configurationService, style, onAllowed,
        all.isEmpty() ? null : LimiterListener.all(all));
  }

  /** Checks the routes of the application's properties at startup. */
  @Bean
  static SmartInitializingSingleton sluiceGatewayRouteCheck(
      ObjectProvider<GatewayProperties> gateway,
      ObjectProvider<RequestRateLimiterGatewayFilterFactory> factory,
      ObjectProvider<SluiceGatewayRateLimiter> limiter) {
    return () -> {
      SluiceGatewayRateLimiter l = limiter.getIfUnique();
      if (l != null) {
        new RouteArgumentsCheck(gateway, factory, l, BEAN_NAME).afterSingletonsInstantiated();
      }
    };
  }
}
