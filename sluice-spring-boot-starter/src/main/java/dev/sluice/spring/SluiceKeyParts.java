package dev.sluice.spring;

import dev.sluice.http.KeyPart;
import dev.sluice.http.KeyResolver;
import dev.sluice.http.RequestLimiter;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;

/**
 * The key parts Spring adds to Sluice's own ({@code ip}, {@code user}, {@code principal}, {@code
 * attribute:<Name>}, ...), and key expressions: the one place every Spring front end (the servlet
 * filter, the MVC interceptor, a WebFlux filter) takes them from. A bean of the starter.
 *
 * <ul>
 *   <li>{@code jwt:<claim>}: a claim of the verified JWT of Spring Security's resource server
 *       ({@code JwtAuthenticationToken}); needs {@code spring-security-oauth2-resource-server}.
 *   <li>{@code bean:<name>}: the answer of the {@link RequestKeyResolver} bean of that name.
 * </ul>
 *
 * <p>{@link #expression(String)} compiles a SpEL key expression over the request ({@code
 * sluice.key-expression}, {@code @RateLimited(keyExpression)} on web handlers).
 */
public final class SluiceKeyParts {

  private final Map<String, Function<String, KeyPart>> parts;
  private final KeyFailures failures = new KeyFailures();

  /** Parts whose {@code bean:} names are looked up in {@code beans}. */
  public SluiceKeyParts(BeanFactory beans) {
    Map<String, Function<String, KeyPart>> p = new LinkedHashMap<>();
    p.put("jwt", claim -> {
      if (claim.isEmpty()) {
        throw new IllegalArgumentException("needs a claim name, e.g. jwt:sub");
      }
      if (!JwtClaimKeyPart.AVAILABLE) {
        throw new IllegalArgumentException("needs Spring Security's JWT resource server"
            + " (org.springframework.security:spring-security-oauth2-resource-server and"
            + " spring-security-oauth2-jose, e.g. from spring-boot-starter-oauth2-resource-server)");
      }
      return new JwtClaimKeyPart(claim);
    });
    p.put("bean", name -> new BeanKeyPart(beans, name, failures));
    this.parts = Map.copyOf(p);
  }

  /** The parts by name, for {@link KeyResolver#parse(String, String, Map)}. */
  public Map<String, Function<String, KeyPart>> parts() {
    return parts;
  }

  /**
   * Parses a key spec with these parts.
   *
   * @throws IllegalArgumentException naming the part that is unknown or wrong
   */
  public KeyResolver parse(String spec, String apiKeyHeader) {
    return KeyResolver.parse(spec, apiKeyHeader, parts);
  }

  /**
   * A key from a SpEL expression over the request (root: the {@code RequestContext}; variables
   * {@code #request}, {@code #principal}); null, blank or a failure at run time is a missing key.
   *
   * @throws IllegalArgumentException when the expression does not parse
   */
  public KeyResolver expression(String expression) {
    return KeyResolver.of("expression", RequestKeyExpression.parse(expression, failures));
  }

  /** Gives {@code filter} these parts and this expression compiler. */
  public SluiceFilter.Builder configure(SluiceFilter.Builder filter) {
    return filter.keyParts(parts).keyExpressions(this::expression);
  }

  /** Gives {@code pipeline} (a front end's other than the servlet filter) the same. */
  public RequestLimiter.Builder configure(RequestLimiter.Builder pipeline) {
    return pipeline.keyParts(parts).keyExpressions(this::expression);
  }

  /**
   * The key of {@code sluice.key-expression}, or null when it is not set.
   *
   * @throws InvalidSettingException when it does not parse, or {@code sluice.key} is set too
   */
  public @Nullable KeyResolver keyExpression(SluiceProperties properties) {
    String expression = properties.getKeyExpression();
    if (expression == null) {
      return null;
    }
    if (properties.getKey() != null) {
      throw new InvalidSettingException("sluice.key-expression",
          "set sluice.key or sluice.key-expression, not both");
    }
    try {
      return expression(expression);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException("sluice.key-expression",
          String.valueOf(e.getMessage()), e);
    }
  }
}
