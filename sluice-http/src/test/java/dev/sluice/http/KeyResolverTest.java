package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class KeyResolverTest {

  private final RequestContext request = RequestContext.builder("get", "/pizza?x=1")
      .clientAddress("10.0.0.1").header("X-Tenant", "a|b=c").build();

  @Test
  void partsAreNamedAndEscaped() {
    assertThat(KeyResolver.parse("ip+path+method", "X-API-Key").resolve(request))
        .hasValue("ip=10.0.0.1|path=/pizza|method=GET");
    assertThat(KeyResolver.parse("header:X-Tenant", "X-API-Key").resolve(request))
        .hasValue("header:x-tenant=a\\|b\\=c");
  }

  @Test
  void aMissingIdentityIsEmptyOrReplacedByTheAddress() {
    KeyResolver userAndPath = KeyResolver.user().and(KeyResolver.path());
    assertThat(userAndPath.resolve(request)).isEmpty();
    assertThat(userAndPath.resolveWithIpFallback(request)).isEqualTo("ip=10.0.0.1|path=/pizza");
    assertThat(KeyResolver.apiKey("X-API-Key").resolve(request)).isEmpty();
  }

  @Test
  void unknownPartsAreNamed() {
    assertThatThrownBy(() -> KeyResolver.parse("user+session", "X-API-Key"))
        .hasMessage("unknown key part 'session' in 'user+session'; use ip, user, principal,"
            + " api-key, header:<Name>, attribute:<Name>, path or method, joined by +");
    assertThatThrownBy(() -> KeyResolver.parse("header:", "X-API-Key"))
        .hasMessageStartingWith("'header:': header: needs a header name");
  }

  @Test
  void principalAndAttributesComeFromWhatTheFrontEndPassed() {
    Principal alice = () -> "alice";
    Map<String, Object> attributes = Map.of("tenant", 42);
    RequestContext signedIn = RequestContext.builder("GET", "/a").clientAddress("10.0.0.2")
        .principal(alice).attributes(attributes::get).build();
    KeyResolver key = KeyResolver.parse("principal+attribute:tenant", "X-API-Key");
    assertThat(key.resolve(signedIn)).hasValue("principal=alice|attribute:tenant=42");
    assertThat(key.resolve(request)).isEmpty();
    assertThat(key.resolveWithIpFallback(request)).isEqualTo("ip=10.0.0.1|ip=10.0.0.1");
    assertThat(key).hasToString("principal+attribute:tenant");
    assertThat(KeyResolver.principal().resolve(RequestContext.builder("GET", "/")
        .principal(() -> " ").build())).isEmpty();
  }

  @Test
  void aFrameworkAddsPartsByName() {
    Function<String, KeyPart> claim = arg -> {
      if (arg.isEmpty()) {
        throw new IllegalArgumentException("needs a claim name");
      }
      return r -> arg.equals("sub") ? Optional.of("u|1") : Optional.empty();
    };
    KeyResolver key = KeyResolver.parse("JWT:sub+path", "X-API-Key", Map.of("jwt", claim));
    assertThat(key.resolve(request)).hasValue("jwt:sub=u\\|1|path=/pizza");
    assertThat(key).hasToString("jwt:sub+path");
    assertThat(KeyResolver.parse("jwt:tenant", "X-API-Key", Map.of("jwt", claim))
        .resolveWithIpFallback(request)).isEqualTo("ip=10.0.0.1");
    assertThatThrownBy(() -> KeyResolver.parse("jwt", "X-API-Key", Map.of("jwt", claim)))
        .hasMessage("'jwt': jwt: needs a claim name");
    assertThatThrownBy(() -> KeyResolver.parse("tenant", "X-API-Key", Map.of("jwt", claim)))
        .hasMessage("unknown key part 'tenant' in 'tenant'; use ip, user, principal, api-key,"
            + " header:<Name>, attribute:<Name>, path, jwt:<...> or method, joined by +");
    assertThatThrownBy(() -> KeyResolver.parse("ip", "X-API-Key", Map.of("User", claim)))
        .hasMessage("key part 'User' is built in");
    assertThat(KeyResolver.of("expression", r -> Optional.of("x")).resolve(request))
        .hasValue("expression=x");
  }
}
