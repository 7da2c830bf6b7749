package dev.sluice.spring;

import dev.sluice.http.KeyPart;
import dev.sluice.http.RequestContext;
import java.security.Principal;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.util.ClassUtils;

/**
 * The key part {@code jwt:<claim>}: a claim of the JWT that Spring Security's resource server
 * verified and made the request's principal ({@link JwtAuthenticationToken}, authenticated). The
 * token is never read from the request itself: an unverified token counts as missing. Needs
 * {@code spring-security-oauth2-resource-server} and {@code spring-security-oauth2-jose}; check {@link #AVAILABLE} before loading it.
 */
final class JwtClaimKeyPart implements KeyPart {

  /** Whether Spring Security's resource server is on the class path. */
  static final boolean AVAILABLE = ClassUtils.isPresent("org.springframework.security.oauth2."
      + "server.resource.authentication.JwtAuthenticationToken",
      JwtClaimKeyPart.class.getClassLoader()) && ClassUtils.isPresent(
      "org.springframework.security.oauth2.jwt.Jwt", JwtClaimKeyPart.class.getClassLoader());

  private final String claim;

  JwtClaimKeyPart(String claim) {
    this.claim = claim;
  }

  @Override
  public Optional<String> read(RequestContext request) {
    Principal p = request.principal().orElse(null);
    if (!(p instanceof JwtAuthenticationToken token) || !token.isAuthenticated()) {
      return Optional.empty();
    }
    Object value = token.getToken().getClaims().get(claim);
    if (value instanceof Collection<?> values) {
      value = values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return RequestKeyExpression.text(value);
  }
}
