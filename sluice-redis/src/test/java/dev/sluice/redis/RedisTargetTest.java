package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Given a URI, the topology it names, or an error naming the part that is wrong. */
class RedisTargetTest {

  private static RedisTarget parse(String uri) {
    return RedisTarget.parse(uri, Duration.ofSeconds(1));
  }

  /** The user name and password a URI carries (Lettuce keeps them in a credentials provider). */
  private static RedisCredentials credentials(RedisURI u) {
    return u.getCredentialsProvider().resolveCredentials().block();
  }

  @Test
  void standaloneWithPasswordDatabaseAndDefaultPort() {
    RedisTarget t = parse("redis://:s3cret@cache.local/2");
    assertThat(t.kind).isEqualTo(RedisTarget.Kind.STANDALONE);
    RedisURI u = t.uris.get(0);
    assertThat(u.getHost()).isEqualTo("cache.local");
    assertThat(u.getPort()).isEqualTo(6379);
    assertThat(u.getDatabase()).isEqualTo(2);
    assertThat(new String(credentials(u).getPassword())).isEqualTo("s3cret");
    assertThat(u.isSsl()).isFalse();
    assertThat(t.display).isEqualTo("redis://:***@cache.local/2");
  }

  @Test
  void tlsWithUserAndPeerVerification() {
    RedisURI u = parse("rediss://app:pw@10.0.0.1:6380?verifyPeer=ca").uris.get(0);
    assertThat(u.isSsl()).isTrue();
    assertThat(credentials(u).getUsername()).isEqualTo("app");
    assertThat(u.getPort()).isEqualTo(6380);
    assertThat(u.getVerifyMode()).isEqualTo(io.lettuce.core.SslVerifyMode.CA);
  }

  @Test
  void sentinelListsEverySentinelAndTheMaster() {
    RedisTarget t = parse("redis-sentinel://a:26379,b:26380,[::1]#mymaster");
    assertThat(t.kind).isEqualTo(RedisTarget.Kind.SENTINEL);
    RedisURI u = t.uris.get(0);
    assertThat(u.getSentinelMasterId()).isEqualTo("mymaster");
    assertThat(u.getSentinels()).extracting(RedisURI::getHost).containsExactly("a", "b", "::1");
    assertThat(u.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380,
        26379);
    assertThat(parse("redis-sentinel://a?sentinelMasterId=m").uris.get(0).getSentinelMasterId())
        .isEqualTo("m");
  }

  @Test
  void clusterSeeds() {
    RedisTarget t = parse("redis-cluster://h1:7000,h2:7001,h3");
    assertThat(t.kind).isEqualTo(RedisTarget.Kind.CLUSTER);
    assertThat(t.uris).extracting(RedisURI::getPort).containsExactly(7000, 7001, 6379);
    assertThat(parse("rediss-cluster://h1:7000").uris.get(0).isSsl()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "localhost:6379                 | missing scheme",
      "http://localhost:6379          | unknown scheme 'http'",
      "redis://                       | no host",
      "redis://host:abc               | port 'abc' of host 'host' must be 1..65535",
      "redis://host:70000             | port '70000'",
      "redis://a:1,b:2                | redis:// takes one host, got 2",
      "redis://host/x                 | database 'x' must be a non-negative integer",
      "redis-cluster://a:1/3          | Redis Cluster has only database 0",
      "redis-sentinel://a:26379       | Sentinel master name missing",
      "redis://host#m                 | applies only to redis-sentinel://",
      "redis://host?foo=1             | unknown parameter 'foo'",
      "redis://host?verifyPeer=none   | applies only to TLS",
      "rediss://host?verifyPeer=maybe | verifyPeer='maybe' must be full, ca or none",
      "redis://ho st                  | host 'ho st' contains ' '",
      "redis-cluster://a:1,,b:2       | empty host",
      "redis://[::1                   | unclosed '['",
  })
  void malformedUrisNameTheWrongPart(String uri, String message) {
    assertThatThrownBy(() -> parse(uri))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid Redis URI \"" + uri + "\"")
        .hasMessageContaining(message);
  }

  @Test
  void passwordsNeverAppearInErrors() {
    assertThatThrownBy(() -> parse("redis://user:hunter2@host:0"))
        .hasMessageContaining("user:***@host:0")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void builderRejectsMalformedUrisAtBuild() {
    assertThatThrownBy(() -> RedisBackend.create("redis://host:0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port '0'");
  }
}
