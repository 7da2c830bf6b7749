package dev.sluice.spring;

import dev.sluice.LimiterListener;
import dev.sluice.RateLimiter;
import dev.sluice.Sleeper;
import dev.sluice.servlet.SluiceSettings;
import dev.sluice.spi.Backend;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * {@code @RateLimited} on methods of any Spring bean that is not a web handler, through Spring AOP
 * ({@link RateLimitedMethodInterceptor}); an infrastructure advisor, so Spring Boot's auto-proxy
 * creator applies it without AspectJ. The limiters are built on the {@link Backend} bean (else on
 * a backend of their own from {@code sluice.backend}, closed with the context), tell every {@link
 * LimiterListener} bean what they decide, and wait with the {@link Sleeper} bean if there is one.
 * {@code sluice.methods.enabled=false} (or {@code sluice.enabled=false}) turns it off.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class,
    afterName = "org.springframework.boot.autoconfigure.aop.AopAutoConfiguration")
@ConditionalOnClass(Advisor.class)
@ConditionalOnProperty(prefix = "sluice", name = {"enabled", "methods.enabled"},
    havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceMethodsAutoConfiguration {

  /** The advisor applying {@code @RateLimited} on bean methods. */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean(name = "sluiceRateLimitedAdvisor")
  static Advisor sluiceRateLimitedAdvisor(ObjectProvider<Backend> backend,
      ObjectProvider<SluiceProperties> properties, ObjectProvider<LimiterListener> listeners,
      ObjectProvider<Sleeper> sleeper) {
    return new Limiters(backend, properties, listeners, sleeper).advisor();
  }

  /** Builds the methods' limiters on first use; closes a backend of its own. */
  static final class Limiters implements DisposableBean {
    private final ObjectProvider<Backend> backendBean;
    private final ObjectProvider<SluiceProperties> properties;
    private final ObjectProvider<LimiterListener> listeners;
    private final ObjectProvider<Sleeper> sleeper;
    private @Nullable Backend backend;
    private @Nullable Backend ownBackend;

    Limiters(ObjectProvider<Backend> backend, ObjectProvider<SluiceProperties> properties,
        ObjectProvider<LimiterListener> listeners, ObjectProvider<Sleeper> sleeper) {
      this.backendBean = backend;
      this.properties = properties;
      this.listeners = listeners;
      this.sleeper = sleeper;
    }

    Advisor advisor() {
      RateLimitedMethodInterceptor interceptor = new RateLimitedMethodInterceptor(
          (id, limits) -> {
            RateLimiter.Builder b = RateLimiter.builder(limits).backend(backend()).name(id);
            LimiterListener l = LimiterListeners.of(listeners);
            if (l != null) {
              b.listener(l);
            }
            sleeper.ifAvailable(b::sleeper);
            return b.build();
          });
      return new ClosingAdvisor(interceptor.new Pointcut(), interceptor, this);
    }

    private synchronized Backend backend() {
      if (backend == null) {
        backend = backendBean.getIfAvailable();
        if (backend == null) {
          ownBackend = SluiceSettings.backend(SluiceSettings.read(
              properties.getObject().settings(true)));
          backend = ownBackend;
        }
      }
      return backend;
    }

    @Override
    public synchronized void destroy() {
      if (ownBackend != null) {
        ownBackend.close();
      }
    }
  }

  /** The advisor bean; closing it closes a backend the limiters opened for themselves. */
  static final class ClosingAdvisor extends DefaultPointcutAdvisor implements DisposableBean {
    private static final long serialVersionUID = 1L;
    private final transient Limiters limiters;

    ClosingAdvisor(org.springframework.aop.Pointcut pointcut,
        RateLimitedMethodInterceptor interceptor, Limiters limiters) {
      super(pointcut, interceptor);
      this.limiters = limiters;
    }

    @Override
    public void destroy() {
      limiters.destroy();
    }
  }
}
