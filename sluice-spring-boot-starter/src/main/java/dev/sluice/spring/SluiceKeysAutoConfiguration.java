package dev.sluice.spring;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * The {@link SluiceKeyParts} bean (key parts {@code jwt:<claim>}, {@code bean:<name>} and key
 * expressions) for every Spring front end, servlet or reactive.
 */
@AutoConfiguration(before = SluiceAutoConfiguration.class)
@ConditionalOnProperty(prefix = "sluice", name = "enabled", havingValue = "true",
    matchIfMissing = true)
public class SluiceKeysAutoConfiguration {

  /** Spring's key parts, looking {@code bean:} names up in the context. */
  @Bean
  @ConditionalOnMissingBean
  public SluiceKeyParts sluiceKeyParts(BeanFactory beans) {
    return new SluiceKeyParts(beans);
  }
}
