package dev.sluice.spring;

import dev.sluice.Limit;
import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceFilter;
import dev.sluice.servlet.SluiceSettings;
import dev.sluice.spi.Backend;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.convert.converter.GenericConverter;

/**
 * The beans every web stack of the starter shares, imported by {@link SluiceAutoConfiguration}
 * (servlet), {@link dev.sluice.spring.webflux.SluiceWebFluxAutoConfiguration} (reactive) and
 * {@link dev.sluice.spring.gateway.SluiceGatewayAutoConfiguration} (Spring Cloud Gateway): the
 * bound {@link SluiceProperties} and their converter, the {@link Backend} and the {@link
 * RateLimiter} of {@code sluice.limits} (bean {@code sluiceLimiter}; {@code sluiceRateLimiter} is
 * the gateway's). Each backs off when the application declares its own.
 * Nothing here touches the Servlet API or WebFlux.
 *
 * <p>Only ever imported: it carries no {@code @Configuration}, so that an application scanning
 * this package does not pick it up outside the auto-configurations' conditions.
 */
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceCommonConfiguration {

  /** Binds {@code sluice.*} properties of Sluice's types through their settings' declarations. */
  @Bean
  @ConfigurationPropertiesBinding
  static GenericConverter sluiceSettingConverter() {
    return new SettingConverter();
  }

  /** Sluice's state store; Spring closes it with the context. */
  @Bean
  @ConditionalOnMissingBean
  public Backend sluiceBackend(SluiceProperties properties) {
    return SluiceSettings.backend(SluiceSettings.read(properties.settings(true)));
  }

  /** The limiter for {@code sluice.limits}. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "sluice", name = "limits")
  public RateLimiter sluiceLimiter(SluiceProperties properties, Backend backend,
      ObjectProvider<LimiterListener> listeners) {
    List<Limit> limits = SluiceSettings.limits(SluiceSettings.read(properties.settings(true)));
    if (limits.isEmpty()) {
      throw new InvalidSettingException(SluiceAutoConfiguration.PREFIX + "limits",
          "must not be blank");
    }
    RateLimiter.Builder b = RateLimiter.builder(limits).backend(backend)
        .name(SluiceFilter.LIMITER_NAME);
    LimiterListener listener = LimiterListeners.of(listeners);
    if (listener != null) {
      b.listener(listener);
    }
    return b.build();
  }
}
