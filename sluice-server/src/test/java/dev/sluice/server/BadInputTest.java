package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz-style: malformed, mistyped and oversized bodies get a 4xx with a JSON message, never a 5xx
 * or a stack trace, and the server keeps answering.
 */
class BadInputTest {

  @TempDir static Path dir;
  static Running s;

  @BeforeAll
  static void start() throws Exception {
    s = Running.start(dir, Map.of("api.yaml", HttpApiTest.RULES), Map.of());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  static String descriptors(int n, int entries) {
    StringBuilder sb = new StringBuilder("{\"domain\":\"api\",\"descriptors\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"entries\":[");
      for (int j = 0; j < entries; j++) {
        sb.append(j == 0 ? "" : ",").append("{\"key\":\"k").append(j).append("\",\"value\":\"v\"}");
      }
      sb.append("]}");
    }
    return sb.append("]}").toString();
  }

  static final List<String> BAD = List.of(
      "", "{", "[", "null", "42", "\"text\"", "{}", "{\"domain\":\"\"}",
      "{\"domain\":1,\"descriptors\":[]}",
      "{\"domain\":\"api\"}",
      "{\"domain\":\"api\",\"descriptors\":\"x\"}",
      "{\"domain\":\"api\",\"descriptors\":[]}",
      "{\"domain\":\"api\",\"descriptors\":[1]}",
      "{\"domain\":\"api\",\"descriptors\":[{}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[]}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":1,\"value\":\"v\"}]}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"\",\"value\":\"v\"}]}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":[]}]}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],\"nope\":1}",
      "{\"domain\":\"api\",\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}]} trailing",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],"
          + "\"hits_addend\":99999999999999999999999}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],\"hits_addend\":-1}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],\"hits_addend\":1.5}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],\"hits\":-1}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}],\"hits\":\"2\"}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}],"
          + "\"hits\":1e300}]}",
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"k\"}],"
          + "\"hitsAddend\":\"18446744073709551615\"}]}",
      "{\"domain\":\"api\",\"request\":{\"method\":\"GET\"}}",
      "{\"domain\":\"api\",\"request\":{\"method\":\"GET\",\"path\":\"/\",\"headers\":[1]}}",
      "{\"domain\":\"api\",\"request\":{\"method\":\"GET\",\"path\":\"/\"},"
          + "\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]}]}",
      "[".repeat(100_000),
      "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":NaN}]}]}",
      descriptors(10_000, 1),
      descriptors(1, 101));

  @Test
  void everyBadBodyIsA4xxWithAMessage() throws Exception {
    for (String path : List.of("/json", "/v1/check")) {
      for (String body : BAD) {
        HttpResponse<String> r = s.post(path, body);
        String what = path + " " + (body.length() > 120 ? body.substring(0, 120) + "..." : body);
        assertThat(r.statusCode()).as(what).isEqualTo(400);
        assertThat(r.body()).as(what).startsWith("{\"error\":\"").doesNotContain("\tat ")
            .doesNotContain("Exception");
      }
    }
  }

  @Test
  void invalidUtf8IsRejected() throws Exception {
    byte[] body = ("{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"user\","
        + "\"value\":\"X\"}]}]}").getBytes(StandardCharsets.UTF_8);
    int x = new String(body, StandardCharsets.UTF_8).indexOf('X');
    body[x] = (byte) 0xC3; // a lone lead byte
    for (String path : List.of("/json", "/v1/check")) {
      HttpResponse<String> r = s.post(path, body);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("not valid UTF-8");
    }
  }

  @Test
  void bodiesOverOneMebibyteAre413() throws Exception {
    String big = "{\"domain\":\"" + "a".repeat(1 << 20) + "\"}";
    for (String path : List.of("/json", "/v1/check", "/v1/rules/api")) {
      HttpResponse<String> r = path.startsWith("/v1/rules") ? s.adminPut(path, big)
          : s.post(path, big);
      assertThat(r.statusCode()).as(path).isEqualTo(413);
    }
  }

  @Test
  void randomMutationsOfAValidBodyNeverFailTheServer() throws Exception {
    String valid = "{\"domain\":\"api\",\"hits_addend\":1,\"descriptors\":[{\"entries\":"
        + "[{\"key\":\"user\",\"value\":\"fuzz\"}]},{\"entries\":[{\"key\":\"health\"}]}]}";
    Random random = new Random(42);
    String alphabet = "{}[]\":,0123456789-.eE truefalsenull\\u00ff";
    List<Integer> codes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder(valid);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(sb.length());
        switch (random.nextInt(3)) {
          case 0 -> sb.deleteCharAt(at);
          case 1 -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
          default -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      String path = i % 2 == 0 ? "/json" : "/v1/check";
      HttpResponse<String> r = s.post(path, sb.toString());
      codes.add(r.statusCode());
      assertThat(r.statusCode()).as(path + " " + sb).isIn(200, 400, 429);
      assertThat(r.body()).as(path + " " + sb).doesNotContain("\tat ");
    }
    assertThat(codes).contains(400);
  }

  @Test
  void theServerIsAliveAfterward() throws Exception {
    everyBadBodyIsA4xxWithAMessage();
    assertThat(s.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(s.post("/json", Running.envoy("api", "user", "alive")).statusCode())
        .isEqualTo(200);
  }
}
