package dev.sluice.rules;

/**
 * One step that turns an HTTP request into a descriptor entry, named after envoy's route {@code
 * rate_limits} actions ({@code remote_address}, {@code request_headers}, {@code generic_key},
 * {@code header_value_match}) plus Sluice's {@code basic_auth_user}, {@code api_key} and {@code
 * path}. The actions of one list are applied in order; each contributes one entry. When an action
 * cannot (a header is missing) the whole descriptor is dropped, as in envoy, unless the action
 * {@linkplain #skipIfAbsent() skips} instead.
 *
 * <p>Actions are values as the rules file declares them; the HTTP front ends apply them to
 * requests ({@code dev.sluice.http.Routes} in {@code sluice-http}). Each kind is one record of
 * {@link Actions}.
 */
public sealed interface Action permits Actions.RemoteAddress, Actions.RequestHeaders,
    Actions.BasicAuthUser, Actions.ApiKey, Actions.GenericKey, Actions.Path,
    Actions.HeaderValueMatch {

  /**
   * Whether a request the action cannot apply to leaves the entry out but keeps the descriptor
   * (envoy's {@code skip_if_absent}), rather than dropping the descriptor.
   */
  default boolean skipIfAbsent() {
    return false;
  }

  /** The action as written in YAML, e.g. {@code request_headers(x-user -> user)}. */
  String describe();
}
