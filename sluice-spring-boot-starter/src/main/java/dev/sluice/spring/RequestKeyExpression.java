package dev.sluice.spring;

import dev.sluice.http.KeyPart;
import dev.sluice.http.RequestContext;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * A key from a SpEL expression over the request ({@code sluice.key-expression}, {@code
 * @RateLimited(keyExpression)} on a web handler). The root is the {@link RequestContext} ({@code
 * method}, {@code path}, {@code header('X-Tenant')}, {@code principalName}, {@code
 * attribute('tenant')}, ...), with the variables {@code #request} (the framework's request) and
 * {@code #principal} (the authenticated principal, or null).
 *
 * <p>Evaluated in a {@link SimpleEvaluationContext}: properties and methods of those objects only;
 * no type references ({@code T(...)}), constructors, bean references or assignments. An {@code
 * Optional} result is unwrapped; null, blank or a failure is a missing key.
 */
final class RequestKeyExpression implements KeyPart {

  private static final SpelExpressionParser PARSER = new SpelExpressionParser();

  private final String text;
  private final Expression expression;
  private final KeyFailures failures;

  private RequestKeyExpression(String text, Expression expression, KeyFailures failures) {
    this.text = text;
    this.expression = expression;
    this.failures = failures;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the expression and SpEL's complaint
   */
  static RequestKeyExpression parse(String text, KeyFailures failures) {
    return new RequestKeyExpression(text, compile(text), failures);
  }

  /** {@code text} compiled, or an {@link IllegalArgumentException} saying why not. */
  static Expression compile(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("the expression must not be blank");
    }
    try {
      return PARSER.parseExpression(text);
    } catch (ParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid SpEL expression: "
          + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> read(RequestContext request) {
    EvaluationContext context = SimpleEvaluationContext.forReadOnlyDataBinding()
        .withInstanceMethods().withRootObject(request).build();
    context.setVariable("request", request.nativeRequest().orElse(null));
    context.setVariable("principal", request.principal().orElse(null));
    try {
      return text(expression.getValue(context));
    } catch (RuntimeException e) {
      failures.failed("expression '" + text + "'", e, "the request counts as lacking its key");
      return Optional.empty();
    }
  }

  /** A value as key text: an {@code Optional} unwrapped; empty for null or blank. */
  static Optional<String> text(@Nullable Object value) {
    Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
    return v == null ? Optional.empty()
        : Optional.of(String.valueOf(v)).filter(s -> !s.isBlank());
  }

  @Override
  public String toString() {
    return text;
  }
}
