package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.rules.Descriptor;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request type every front end hands to route actions. */
class RequestContextTest {

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void methodIsUpperCasedAndThePathLosesItsQuery() {
    RequestContext r = RequestContext.builder("get", "/a/b?c=d&e").build();
    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.target()).isEqualTo("/a/b?c=d&e");
    assertThat(r.path()).isEqualTo("/a/b");
    assertThat(r.clientAddress()).isEmpty();
  }

  @Test
  void headersAreCaseInsensitiveAndRepeatedValuesJoin() {
    RequestContext r = RequestContext.builder("GET", "/")
        .header("X-Forwarded-For", "1.1.1.1")
        .header("x-forwarded-for", "2.2.2.2")
        .headers(Map.of("Host", List.of("example.com")))
        .build();
    assertThat(r.header("X-FORWARDED-FOR")).contains("1.1.1.1,2.2.2.2");
    assertThat(r.headerValues("x-forwarded-for")).containsExactly("1.1.1.1", "2.2.2.2");
    assertThat(r.header("host")).contains("example.com");
    assertThat(r.header("missing")).isEmpty();
    assertThat(r.headerValues("missing")).isEmpty();
  }

  @Test
  void pseudoHeadersAnswerMethodTargetAndAuthority() {
    RequestContext r = RequestContext.builder("post", "/x?y=1").header("Host", "h:8080").build();
    assertThat(r.header(":method")).contains("POST");
    assertThat(r.header(":path")).contains("/x?y=1");
    assertThat(r.header(":authority")).contains("h:8080");
  }

  @Test
  void basicAuthUserIsTheNameBeforeTheColon() {
    assertThat(RequestContext.builder("GET", "/")
        .header("Authorization", "Basic " + b64("alice:pa:ss")).build().basicAuthUser())
        .contains("alice");
    assertThat(RequestContext.builder("GET", "/")
        .header("authorization", "basic " + b64("bob")).build().basicAuthUser())
        .contains("bob");
    assertThat(RequestContext.builder("GET", "/")
        .header("Authorization", "Bearer abc").build().basicAuthUser()).isEmpty();
    assertThat(RequestContext.builder("GET", "/")
        .header("Authorization", "Basic !!notbase64").build().basicAuthUser()).isEmpty();
    assertThat(RequestContext.builder("GET", "/")
        .header("Authorization", "Basic " + b64(":nouser")).build().basicAuthUser()).isEmpty();
    assertThat(RequestContext.builder("GET", "/").build().basicAuthUser()).isEmpty();
  }

  @Test
  void invalidArgumentsFailAtTheCall() {
    assertThatThrownBy(() -> RequestContext.builder(" ", "/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("method must not be blank");
    assertThatThrownBy(() -> Descriptor.of("a", "b", "c"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected key, value pairs, got 3 strings");
  }
}
