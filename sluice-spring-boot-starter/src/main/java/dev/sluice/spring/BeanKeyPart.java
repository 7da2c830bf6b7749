package dev.sluice.spring;

import dev.sluice.http.KeyPart;
import dev.sluice.http.RequestContext;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;

/**
 * The key part {@code bean:<name>}: what the {@link RequestKeyResolver} bean of that name answers.
 * The bean is looked up on first use; a resolver that throws counts as a missing part, logged by
 * {@link KeyFailures}.
 */
final class BeanKeyPart implements KeyPart {

  private final BeanFactory beans;
  private final String name;
  private final KeyFailures failures;
  private volatile @Nullable RequestKeyResolver resolver;

  /**
   * @throws IllegalArgumentException when there is no such bean, or it is no resolver
   */
  BeanKeyPart(BeanFactory beans, String name, KeyFailures failures) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("needs a bean name, e.g. bean:tenantKey");
    }
    if (!beans.containsBean(name)) {
      throw new IllegalArgumentException("there is no bean named '" + name + "'");
    }
    if (!beans.isTypeMatch(name, RequestKeyResolver.class)) {
      throw new IllegalArgumentException("bean '" + name + "' is a "
          + beans.getType(name) + ", not a " + RequestKeyResolver.class.getName());
    }
    this.beans = beans;
    this.name = name;
    this.failures = failures;
  }

  @Override
  public Optional<String> read(RequestContext request) {
    RequestKeyResolver r = resolver;
    if (r == null) {
      r = beans.getBean(name, RequestKeyResolver.class);
      resolver = r;
    }
    try {
      return RequestKeyExpression.text(r.resolve(request));
    } catch (RuntimeException e) {
      failures.failed("bean:" + name, e, "the request counts as lacking its key");
      return Optional.empty();
    }
  }
}
