package dev.sluice.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import org.jspecify.annotations.Nullable;

/**
 * The reference {@link EnvoyJson} is held to: how {@code POST /json} read and wrote bodies before
 * it, with protobuf's {@code JsonFormat} after a strict Jackson pass that rejects numbers, booleans
 * and nulls where envoy's protojson wants a string.
 */
final class JsonFormatOracle {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private JsonFormatOracle() {}

  /** The request in {@code body}, or null when the old path rejected it. */
  static @Nullable RateLimitRequest parse(String body) {
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null || root.isMissingNode() || !strictStrings(root)) {
        return null;
      }
      RateLimitRequest.Builder b = RateLimitRequest.newBuilder();
      JsonFormat.parser().merge(body, b);
      return b.build();
    } catch (JsonProcessingException | InvalidProtocolBufferException | RuntimeException e) {
      return null;
    }
  }

  static String print(RateLimitResponse response) {
    try {
      return PRINTER.print(response);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** HttpApi's former strictStrings check. */
  private static boolean strictStrings(JsonNode root) {
    if (!root.isObject() || !textOrAbsent(root.get("domain"))) {
      return false;
    }
    JsonNode descriptors = root.get("descriptors");
    if (descriptors == null || !descriptors.isArray()) {
      return true;
    }
    for (int i = 0; i < descriptors.size(); i++) {
      JsonNode entries = descriptors.get(i).get("entries");
      if (entries != null && entries.isArray()) {
        for (int j = 0; j < entries.size(); j++) {
          if (!textOrAbsent(entries.get(j).get("key"))
              || !textOrAbsent(entries.get(j).get("value"))) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private static boolean textOrAbsent(@Nullable JsonNode n) {
    return n == null || n.isTextual();
  }
}
