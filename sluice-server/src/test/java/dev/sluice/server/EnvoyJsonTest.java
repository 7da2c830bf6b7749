package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link EnvoyJson}'s reading of bad bodies, each a {@link EnvoyProtocol.BadRequestException}
 * naming what was wrong, never another exception; and its agreement with the former
 * {@code JsonFormat} path ({@link JsonFormatOracle}) on mutated bodies.
 */
class EnvoyJsonTest {

  private static final String ENTRY = "[{\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}]";

  /** A body and a part of the message it must be rejected with. */
  private record Bad(String body, String message) {}

  private static final List<Bad> BAD = List.of(
      new Bad("", "the body is empty"),
      new Bad("  \n", "the body is empty"),
      new Bad("{", "malformed JSON: Unexpected end-of-input"),
      new Bad("{\"descriptors\":[", "malformed JSON: Unexpected end-of-input"),
      new Bad("[", "the body must be a JSON object"),
      new Bad("null", "the body must be a JSON object"),
      new Bad("42", "the body must be a JSON object"),
      new Bad("\"text\"", "the body must be a JSON object"),
      new Bad("[".repeat(100_000), "the body must be a JSON object"),
      new Bad("{\"domain\":\"a\"} trailing", "malformed JSON: Unrecognized token 'trailing'"),
      new Bad("{\"domain\":\"a\"} {}", "malformed JSON: trailing tokens"),
      new Bad("{\"domain\":\"a\"}]", "malformed JSON: Unexpected close marker"),
      new Bad("{'domain':'a'}", "malformed JSON"),
      new Bad("{\"domain\":\"a\",}", "malformed JSON"),
      new Bad("{\"domain\":\"a\" /* c */}", "malformed JSON"),
      new Bad("{\"domain\":\"a\u0001\"}", "malformed JSON"),
      new Bad("{\"hitsAddend\":NaN}", "malformed JSON"),
      new Bad("{\"hitsAddend\":01}", "malformed JSON"),
      new Bad("{\"hitsAddend\":+1}", "malformed JSON"),
      new Bad("{\"domain\":1}", "domain must be a string"),
      new Bad("{\"domain\":null}", "domain must be a string"),
      new Bad("{\"domain\":true}", "domain must be a string"),
      new Bad("{\"domain\":[\"a\"]}", "domain must be a string"),
      new Bad("{\"domain\":{}}", "domain must be a string"),
      new Bad("{\"descriptors\":[{\"entries\":[{\"key\":1}]}]}",
          "descriptors[0].entries[0].key must be a string"),
      new Bad("{\"descriptors\":[{\"entries\":[{\"key\":\"k\"}]},{\"entries\":"
          + "[{\"key\":\"k\"},{\"key\":\"k\",\"value\":null}]}]}",
          "descriptors[1].entries[1].value must be a string"),
      new Bad("{\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":[]}]}]}",
          "descriptors[0].entries[0].value must be a string"),
      new Bad("{\"nope\":1}", "invalid RateLimitRequest: unknown field nope"),
      new Bad("{\"Domain\":\"a\"}", "unknown field Domain"),
      new Bad("{\"hitsaddend\":1}", "unknown field hitsaddend"),
      new Bad("{\"descriptors\":[{\"entries\":[],\"hits\":1}]}",
          "unknown field descriptors[0].hits"),
      new Bad("{\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"val\":\"v\"}]}]}",
          "unknown field descriptors[0].entries[0].val"),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":\"MINUTE\",\"name\":\"x\"}}]}",
          "unknown field descriptors[0].limit.name"),
      new Bad("{\"domain\":\"a\",\"domain\":\"a\"}", "domain is given twice"),
      new Bad("{\"hits_addend\":1,\"hitsAddend\":1}", "hitsAddend is given twice"),
      new Bad("{\"hits_addend\":0,\"hitsAddend\":2}", "hitsAddend is given twice"),
      new Bad("{\"descriptors\":[],\"descriptors\":[]}", "descriptors is given twice"),
      new Bad("{\"descriptors\":[{\"entries\":[],\"entries\":[]}]}",
          "descriptors[0].entries is given twice"),
      new Bad("{\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"key\":\"k\"}]}]}",
          "descriptors[0].entries[0].key is given twice"),
      new Bad("{\"descriptors\":[{\"hitsAddend\":null,\"hits_addend\":1}]}",
          "descriptors[0].hits_addend is given twice"),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":1,\"unit\":1}}]}",
          "descriptors[0].limit.unit is given twice"),
      new Bad("{\"descriptors\":\"x\"}", "descriptors must be an array"),
      new Bad("{\"descriptors\":{}}", "descriptors must be an array"),
      new Bad("{\"descriptors\":[1]}", "descriptors[0] must be an object"),
      new Bad("{\"descriptors\":[null]}", "descriptors[0] must be an object"),
      new Bad("{\"descriptors\":[[]]}", "descriptors[0] must be an object"),
      new Bad("{\"descriptors\":[{\"entries\":{}}]}", "descriptors[0].entries must be an array"),
      new Bad("{\"descriptors\":[{\"entries\":[\"k\"]}]}",
          "descriptors[0].entries[0] must be an object"),
      new Bad("{\"descriptors\":[{\"limit\":1}]}", "descriptors[0].limit must be an object"),
      new Bad("{\"descriptors\":[{\"limit\":[]}]}", "descriptors[0].limit must be an object"),
      new Bad("{\"hits_addend\":-1}", "hits_addend must be an integer in 0..4294967295, not -1"),
      new Bad("{\"hits_addend\":4294967296}", "not 4294967296"),
      new Bad("{\"hits_addend\":99999999999999999999999}", "not 99999999999999999999999"),
      new Bad("{\"hits_addend\":1.5}", "not 1.5"),
      new Bad("{\"hits_addend\":1e300}", "not 1e300"),
      new Bad("{\"hits_addend\":1e-300}", "not 1e-300"),
      new Bad("{\"hits_addend\":1e2147483648}", "not 1e2147483648"),
      new Bad("{\"hits_addend\":true}", "not true"),
      new Bad("{\"hits_addend\":[1]}", "not a JSON array"),
      new Bad("{\"hits_addend\":{}}", "not a JSON object"),
      new Bad("{\"hits_addend\":\"\"}", "not \"\""),
      new Bad("{\"hits_addend\":\"x\"}", "not \"x\""),
      new Bad("{\"hits_addend\":\" 1\"}", "not \" 1\""),
      new Bad("{\"hits_addend\":\"-1\"}", "not \"-1\""),
      new Bad("{\"hits_addend\":\"1" + "0".repeat(2000) + "\"}", "..."),
      new Bad("{\"descriptors\":[{\"hitsAddend\":\"18446744073709551616\"}]}",
          "descriptors[0].hitsAddend must be an integer in 0..18446744073709551615, "
              + "not \"18446744073709551616\""),
      new Bad("{\"descriptors\":[{\"hitsAddend\":-1}]}", "not -1"),
      new Bad("{\"descriptors\":[{\"hitsAddend\":{\"value\":1}}]}", "not a JSON object"),
      new Bad("{\"descriptors\":[{\"limit\":{\"requests_per_unit\":-5}}]}",
          "descriptors[0].limit.requests_per_unit must be an integer in 0..4294967295"),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":\"minute\"}}]}",
          "descriptors[0].limit.unit: unknown unit \"minute\""),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":\"UNRECOGNIZED\"}}]}", "unknown unit"),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":2147483648}}]}",
          "descriptors[0].limit.unit must be an integer in -2147483648..2147483647"),
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":true}}]}", "not true"),
      // JsonFormat reads these; Go's protojson (envoy) does not, nor do we
      new Bad("{\"descriptors\":[{\"limit\":{\"unit\":\"2\"}}]}", "unknown unit \"2\""),
      new Bad("{\"hits_addend\":\"+1\"}", "not \"+1\""),
      new Bad("{\"hits_addend\":\"01\"}", "not \"01\""),
      new Bad("{\"hits_addend\":\".5e1\"}", "not \".5e1\""));

  @Test
  void everyBadBodyIsABadRequestNamingTheProblem() {
    for (Bad bad : BAD) {
      String what = bad.body().length() > 100 ? bad.body().substring(0, 100) : bad.body();
      assertThatThrownBy(() -> EnvoyJson.parse(bad.body())).as(what)
          .isInstanceOf(EnvoyProtocol.BadRequestException.class)
          .hasMessageContaining(bad.message())
          .message().doesNotContain("Exception");
      assertThatThrownBy(() -> EnvoyJson.parse(bad.body().getBytes(StandardCharsets.UTF_8)))
          .as(what).isInstanceOf(EnvoyProtocol.BadRequestException.class)
          .hasMessageContaining(bad.message());
    }
  }

  @Test
  void everyBodyTheFormerPathRejectedIsRejected() {
    List<String> bodies = new ArrayList<>(BadInputTest.BAD);
    BAD.forEach(b -> bodies.add(b.body()));
    for (String body : bodies) {
      if (JsonFormatOracle.parse(body) == null) {
        assertThat(read(body)).as(body.length() > 100 ? body.substring(0, 100) : body).isNull();
      }
    }
  }

  @Test
  void onlyGoProtojsonsRulesAreStricterThanTheFormerPath() {
    // the former path (JsonFormat) accepted these; envoy's Go protojson rejects them
    List<String> stricter = List.of(
        "{\"hits_addend\":0,\"hitsAddend\":2}",
        "{\"descriptors\":[{\"limit\":{\"unit\":\"2\"}}]}",
        "{\"hits_addend\":\"+1\"}",
        "{\"hits_addend\":\"01\"}");
    for (String body : stricter) {
      assertThat(JsonFormatOracle.parse(body)).as(body).isNotNull();
      assertThat(read(body)).as(body).isNull();
    }
  }

  @Test
  void readsEveryFieldUnderBothNamesWithNullAsDefault() {
    RateLimitRequest expected = RateLimitRequest.newBuilder().setDomain("api").setHitsAddend(7)
        .addDescriptors(RateLimitDescriptor.newBuilder()
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("user").setValue("é\"<"))
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("k"))
            .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder().setRequestsPerUnit(10)
                .setUnitValue(2))
            .setHitsAddend(UInt64Value.of(-1L)))
        .addDescriptors(RateLimitDescriptor.newBuilder()
            .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder().setUnitValue(42))
            .setHitsAddend(UInt64Value.of(0)))
        .addDescriptors(RateLimitDescriptor.getDefaultInstance())
        .build();
    String camel = "{\"domain\":\"api\",\"hitsAddend\":\"7\",\"descriptors\":[{\"entries\":["
        + "{\"key\":\"user\",\"value\":\"\\u00e9\\\"<\"},{\"key\":\"k\"}],\"limit\":"
        + "{\"requestsPerUnit\":1e1,\"unit\":\"MINUTE\"},\"hitsAddend\":\"18446744073709551615\"},"
        + "{\"limit\":{\"unit\":42,\"requestsPerUnit\":null},\"hitsAddend\":0,\"entries\":null},"
        + "{\"limit\":null,\"hitsAddend\":null}]}";
    String snake = " {\"descriptors\":[{\"entries\":[{\"value\":\"é\\\"<\",\"key\":\"user\"},"
        + "{\"key\":\"k\",\"value\":\"\"}],\"hits_addend\":18446744073709551615,\"limit\":"
        + "{\"unit\":2,\"requests_per_unit\":\"10.0\"}},{\"hits_addend\":\"0e5\",\"limit\":"
        + "{\"unit\":42.0}},{}],\"hits_addend\":7.0,\"domain\":\"api\"}\n";
    for (String body : List.of(camel, snake)) {
      assertThat(EnvoyJson.parse(body)).as(body).isEqualTo(expected);
      assertThat(EnvoyJson.parse(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
      assertThat(JsonFormatOracle.parse(body)).as("the oracle agrees").isEqualTo(expected);
    }
  }

  @Test
  void invalidUtf8IsRejectedAndValidUtf8Read() {
    byte[] body = "{\"domain\":\"aé\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(EnvoyJson.parse(body).getDomain()).isEqualTo("aé");
    body[body.length - 3] = (byte) 0xC3; // a lead byte without its continuation
    body[body.length - 2] = '"';
    body[body.length - 1] = '}';
    assertThatThrownBy(() -> EnvoyJson.parse(body))
        .isInstanceOf(EnvoyProtocol.BadRequestException.class)
        .hasMessage("the body is not valid UTF-8");
    // a NUL (which would make Jackson guess UTF-16/32 from bytes) is read as the text it is
    assertThatThrownBy(() -> EnvoyJson.parse(new byte[] {0, '{', 0, '}'}))
        .isInstanceOf(EnvoyProtocol.BadRequestException.class)
        .hasMessageStartingWith("malformed JSON");
  }

  @Test
  void randomMutationsOfValidBodiesAgreeWithTheFormerPath() {
    List<String> valid = List.of(
        "{\"domain\":\"api\",\"hits_addend\":1,\"descriptors\":[{\"entries\":"
            + "[{\"key\":\"user\",\"value\":\"fuzz\"}]},{\"entries\":[{\"key\":\"health\"}]}]}",
        "{\"domain\":\"api\",\"descriptors\":[{\"entries\":[{\"key\":\"a\",\"value\":\"b\"}],"
            + "\"limit\":{\"requestsPerUnit\":10,\"unit\":\"SECOND\"},\"hitsAddend\":\"3\"}]}",
        "{\"domain\":\"d\",\"descriptors\":" + ENTRY + ",\"hitsAddend\":2}");
    String alphabet = "{}[]\":,0123456789-.eE truefalsenull\\u00ff";
    Random random = new Random(7);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder(valid.get(i % valid.size()));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(sb.length());
        switch (random.nextInt(3)) {
          case 0 -> sb.deleteCharAt(at);
          case 1 -> sb.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
          default -> sb.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      String body = sb.toString();
      RateLimitRequest oracle = JsonFormatOracle.parse(body);
      RateLimitRequest ours = read(body);
      if (oracle == null) {
        assertThat(ours).as(body).isNull();
      } else {
        assertThat(ours).as(body).isEqualTo(oracle); // no mutation here needs Go's stricter rules
      }
      if (ours == null) {
        rejected++;
      } else {
        accepted++;
      }
    }
    assertThat(accepted).isGreaterThan(100);
    assertThat(rejected).isGreaterThan(100);
  }

  @Test
  void printsWhatTheServerAnswers() {
    RateLimitResponse r = RateLimitResponse.newBuilder()
        .setOverallCode(RateLimitResponse.Code.OVER_LIMIT)
        .addStatuses(DescriptorStatus.newBuilder().setCode(RateLimitResponse.Code.OVER_LIMIT)
            .setCurrentLimit(RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(3)
                .setUnit(RateLimitResponse.RateLimit.Unit.MINUTE).setName("per <user>"))
            .setDurationUntilReset(com.google.protobuf.Duration.newBuilder().setSeconds(37)))
        .addStatuses(DescriptorStatus.newBuilder().setCode(RateLimitResponse.Code.OK)
            .setLimitRemaining(-1))
        .addResponseHeadersToAdd(HeaderValue.newBuilder().setKey("x-ratelimit-limit")
            .setValue("3, 3;w=60"))
        .build();
    String expected = "{\"overallCode\":\"OVER_LIMIT\",\"statuses\":[{\"code\":\"OVER_LIMIT\","
        + "\"currentLimit\":{\"requestsPerUnit\":3,\"unit\":\"MINUTE\",\"name\":"
        + "\"per \\u003cuser\\u003e\"},\"durationUntilReset\":\"37s\"},{\"code\":\"OK\","
        + "\"limitRemaining\":4294967295}],\"responseHeadersToAdd\":[{\"key\":"
        + "\"x-ratelimit-limit\",\"value\":\"3, 3;w\\u003d60\"}]}";
    assertThat(EnvoyJson.print(r)).isEqualTo(expected).isEqualTo(JsonFormatOracle.print(r));
    assertThat(EnvoyJson.print(RateLimitResponse.getDefaultInstance())).isEqualTo("{}");
  }

  /** A proto upgrade that adds a field must come here: the codec reads or writes it, or not. */
  @Test
  void theCodecKnowsEveryFieldOfTheSchema() {
    assertThat(names(RateLimitRequest.getDescriptor()))
        .containsExactly("domain", "descriptors", "hits_addend");
    assertThat(names(RateLimitDescriptor.getDescriptor()))
        .containsExactly("entries", "limit", "hits_addend");
    assertThat(names(RateLimitDescriptor.Entry.getDescriptor())).containsExactly("key", "value");
    assertThat(names(RateLimitDescriptor.RateLimitOverride.getDescriptor()))
        .containsExactly("requests_per_unit", "unit");
    // written by EnvoyJson, or sent to JsonFormat when set (quota, raw_body, dynamic_metadata,
    // raw_value)
    assertThat(names(RateLimitResponse.getDescriptor())).containsExactly("overall_code",
        "statuses", "response_headers_to_add", "request_headers_to_add", "raw_body",
        "dynamic_metadata", "quota");
    assertThat(names(DescriptorStatus.getDescriptor())).containsExactly("code", "current_limit",
        "limit_remaining", "duration_until_reset", "quota");
    assertThat(names(RateLimitResponse.RateLimit.getDescriptor()))
        .containsExactly("name", "requests_per_unit", "unit");
    assertThat(names(HeaderValue.getDescriptor())).containsExactly("key", "value", "raw_value");
  }

  private static List<String> names(Descriptors.Descriptor d) {
    return d.getFields().stream().map(Descriptors.FieldDescriptor::getName).toList();
  }

  /** The request, or null when EnvoyJson rejects it as a bad request (anything else fails). */
  private static @Nullable RateLimitRequest read(String body) {
    try {
      return EnvoyJson.parse(body.getBytes(StandardCharsets.UTF_8));
    } catch (EnvoyProtocol.BadRequestException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    }
  }
}
