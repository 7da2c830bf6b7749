package dev.sluice.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Rules that did not load: holds every problem found in the load, not just the first, in file
 * order. The message lists them one per line.
 */
public final class InvalidRulesException extends RuntimeException {

  private final List<RuleError> errors;

  /** An exception for {@code errors}, which must not be empty. */
  public InvalidRulesException(List<RuleError> errors) {
    super(message(errors));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an InvalidRulesException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  /** Every problem, in the order found (files in load order, then position in the file). */
  public List<RuleError> errors() {
    return errors;
  }

  private static String message(List<RuleError> errors) {
    String all = errors.stream().map(RuleError::toString).collect(Collectors.joining("\n"));
    return errors.size() == 1 ? all : errors.size() + " errors in rules:\n" + all;
  }
}
