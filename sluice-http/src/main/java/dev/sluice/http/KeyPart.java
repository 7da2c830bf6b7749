package dev.sluice.http;

import java.util.Optional;

/**
 * One part of a key that a framework adds to {@link KeyResolver}'s own ({@code ip}, {@code user},
 * ...): a JWT claim, a bean's answer, an expression. Given to {@link KeyResolver#parse(String,
 * String, java.util.Map)} by name, or wrapped by {@link KeyResolver#of(String, KeyPart)}.
 *
 * <p>It must not throw for a bad request: a request that lacks the part answers empty, and the
 * front end follows its {@link OnMissingKey} policy. Implementations are thread-safe.
 */
@FunctionalInterface
public interface KeyPart {

  /** The part's value for {@code request}; empty (or blank) when the request lacks it. */
  Optional<String> read(RequestContext request);
}
