package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import dev.sluice.springapps.keys.KeysApp;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Keys from code in a real secured MVC application on a random port, counted exactly per key: the
 * authenticated principal (basic auth), a claim of a verified JWT, a request attribute, a resolver
 * bean (one that throws never gives a 500), SpEL in {@code sluice.key-expression} and in {@code
 * @RateLimited(keyExpression)}. With a key that reads the principal, the starter orders Sluice's
 * filter after Spring Security's by itself, so that it sees the principal.
 */
class KeysFromCodeTest {

  private static NimbusJwtEncoder issuer;
  private static NimbusJwtEncoder forger;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair real = g.generateKeyPair();
    KeyPair other = g.generateKeyPair();
    KeysApp.publicKey((RSAPublicKey) real.getPublic());
    issuer = encoder(real);
    forger = encoder(other);
  }

  private static NimbusJwtEncoder encoder(KeyPair pair) {
    RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic())
        .privateKey((RSAPrivateKey) pair.getPrivate()).keyID("k").build();
    return new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
  }

  private static String bearer(NimbusJwtEncoder encoder, String subject, Map<String, String> claims) {
    JwtClaimsSet.Builder c = JwtClaimsSet.builder().subject(subject)
        .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(600));
    claims.forEach(c::claim);
    return "Bearer " + encoder.encode(JwtEncoderParameters.from(
        JwsHeader.with(SignatureAlgorithm.RS256).build(), c.build())).getTokenValue();
  }

  private static RunningApp start(String... properties) {
    String[] all = new String[properties.length + 2];
    all[0] = "sluice.limits=2/minute";
    all[1] = "sluice.url-patterns=/hello,/open";   // the @RateLimited routes: their limits only
    System.arraycopy(properties, 0, all, 2, properties.length);
    return RunningApp.servlet(KeysApp.class, all);
  }

  private static int status(RunningApp app, String path, String... headers) throws Exception {
    return app.get(path, headers).statusCode();
  }

  private static String basic(String user) {
    return basic(user, "pw");
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void perAuthenticatedPrincipalAnonymousByAddress() throws Exception {
    try (RunningApp app = start("sluice.key=principal")) {
      String alice = basic("alice");
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(429);
      String bob = basic("bob");
      assertThat(status(app, "/hello", "Authorization", bob)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", bob)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", bob)).isEqualTo(429);
      // a wrong password never reaches Sluice: Spring Security answers 401
      assertThat(status(app, "/hello", "Authorization", basic("alice", "wrong"))).isEqualTo(401);
      // anonymous: no principal, counted under the client address (on-missing-key=ip)
      assertThat(status(app, "/open")).isEqualTo(200);
      assertThat(status(app, "/open")).isEqualTo(200);
      assertThat(status(app, "/open")).isEqualTo(429);

      // @RateLimited(keyExpression = "header('X-Tenant')"): 1/minute per tenant, whoever asks
      assertThat(status(app, "/per-tenant", "Authorization", alice, "X-Tenant", "a"))
          .isEqualTo(200);
      assertThat(status(app, "/per-tenant", "Authorization", bob, "X-Tenant", "a"))
          .isEqualTo(429);
      assertThat(status(app, "/per-tenant", "Authorization", bob, "X-Tenant", "b"))
          .isEqualTo(200);
    }
  }

  @Test
  void aMissingPrincipalIsRefusedWhenTheKeyNeedsOne() throws Exception {
    try (RunningApp app = start("sluice.key=principal", "sluice.on-missing-key=reject")) {
      HttpResponse<String> anonymous = app.get("/open");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.body()).contains("rate limited per principal");
      assertThat(status(app, "/hello", "Authorization", basic("alice"))).isEqualTo(200);
    }
  }

  @Test
  void perClaimOfAVerifiedJwt() throws Exception {
    try (RunningApp app = start("sluice.key=jwt:tenant")) {
      String u1 = bearer(issuer, "u1", Map.of("tenant", "acme"));
      String u2 = bearer(issuer, "u2", Map.of("tenant", "acme"));
      String u3 = bearer(issuer, "u3", Map.of("tenant", "globex"));
      String u4 = bearer(issuer, "u4", Map.of());
      assertThat(status(app, "/hello", "Authorization", u1)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", u2)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", u1)).isEqualTo(429);  // acme: 2 taken
      assertThat(status(app, "/hello", "Authorization", u3)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", u3)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", u3)).isEqualTo(429);
      // a token signed by another key never becomes the principal: 401 from Spring Security
      assertThat(status(app, "/hello", "Authorization",
          bearer(forger, "x", Map.of("tenant", "evil")))).isEqualTo(401);
      // no tenant claim, or basic auth (no JWT): counted under the client address
      assertThat(status(app, "/hello", "Authorization", u4)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", basic("alice"))).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", u4)).isEqualTo(429);

      // @RateLimited(key = "jwt:tenant"), 1/minute: its own counters
      assertThat(status(app, "/per-claim", "Authorization", u1)).isEqualTo(200);
      assertThat(status(app, "/per-claim", "Authorization", u2)).isEqualTo(429);
      assertThat(status(app, "/per-claim", "Authorization", u3)).isEqualTo(200);
    }
  }

  @Test
  void perRequestAttribute() throws Exception {
    try (RunningApp app = start("sluice.key=attribute:tenant")) {
      String alice = basic("alice");
      assertThat(status(app, "/hello?t=a", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello?t=a", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello?t=a", "Authorization", alice)).isEqualTo(429);
      assertThat(status(app, "/hello?t=b", "Authorization", alice)).isEqualTo(200);
    }
  }

  @Test
  void perResolverBeanWhichNeverGivesA500WhenItThrows() throws Exception {
    try (RunningApp app = start("sluice.key=bean:broken")) {
      String alice = basic("alice");
      assertThat(status(app, "/hello", "Authorization", alice, "X-Tenant", "a")).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice, "X-Tenant", "a")).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice, "X-Tenant", "a")).isEqualTo(429);
      assertThat(status(app, "/hello", "Authorization", alice, "X-Tenant", "b")).isEqualTo(200);
      // the resolver throws: the request is counted under the client address, no 500
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = app.get("/hello", "Authorization", alice, "X-Boom", "1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
      }
      HttpResponse<String> third = app.get("/hello", "Authorization", alice, "X-Boom", "1");
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.body()).doesNotContain("boom").doesNotContain("Exception");
    }
    try (RunningApp app = start("sluice.key=bean:broken", "sluice.on-missing-key=reject")) {
      HttpResponse<String> r = app.get("/hello", "Authorization", basic("bob"), "X-Boom", "1");
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.body()).contains("rate limited per bean:broken").doesNotContain("boom");
    }
  }

  @Test
  void perKeyExpressionProperty() throws Exception {
    try (RunningApp app = start("sluice.key-expression=#request.getParameter('t')")) {
      String alice = basic("alice");
      assertThat(status(app, "/hello?t=x", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello?t=x", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello?t=x", "Authorization", alice)).isEqualTo(429);
      assertThat(status(app, "/hello?t=y", "Authorization", alice)).isEqualTo(200);
      // null: counted under the client address
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", alice)).isEqualTo(429);
    }
    try (RunningApp app = start("sluice.key-expression=principalName.orElse('') + ':' + path")) {
      assertThat(status(app, "/hello", "Authorization", basic("alice"))).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", basic("alice"))).isEqualTo(200);
      assertThat(status(app, "/hello", "Authorization", basic("alice"))).isEqualTo(429);
      assertThat(status(app, "/hello", "Authorization", basic("bob"))).isEqualTo(200);
    }
  }
}
