package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        .hasMessage("unknown key part 'session' in 'user+session'; use ip, user, api-key,"
            + " header:<Name>, path or method, joined by +");
    assertThatThrownBy(() -> KeyResolver.parse("header:", "X-API-Key"))
        .hasMessageStartingWith("'header:': header: needs a header name");
  }
}
