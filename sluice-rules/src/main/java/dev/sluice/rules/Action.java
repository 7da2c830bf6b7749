package dev.sluice.rules;

import java.util.Optional;

/**
 * One step that turns an HTTP request into a descriptor entry, named after envoy's route {@code
 * rate_limits} actions ({@code remote_address}, {@code request_headers}, {@code generic_key},
 * {@code header_value_match}) plus Sluice's {@code basic_auth_user}, {@code api_key} and {@code
 * path}. The actions of one list are applied in order; each contributes one entry. When an action
 * cannot (a header is missing) the whole descriptor is dropped, as in envoy, unless the action
 * {@linkplain #skipIfAbsent() skips} instead.
 */
public interface Action {

  /** The entry this action contributes for {@code request}, or empty when it cannot. */
  Optional<Descriptor.Entry> apply(RequestContext request);

  /**
   * Whether an empty {@link #apply} leaves the entry out but keeps the descriptor (envoy's {@code
   * skip_if_absent}), rather than dropping the descriptor.
   */
  default boolean skipIfAbsent() {
    return false;
  }

  /** The action as written in YAML, e.g. {@code request_headers(x-user -> user)}. */
  String describe();
}
