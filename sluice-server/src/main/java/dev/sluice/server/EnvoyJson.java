package dev.sluice.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * envoy's {@code POST /json} body codec in one pass: reads a {@code RateLimitRequest} from proto3
 * JSON as Go's protojson (envoy ratelimit) does, and writes a {@code RateLimitResponse} exactly as
 * {@code JsonFormat.printer().omittingInsignificantWhitespace()} does, without protobuf's
 * reflection or a JSON tree.
 *
 * <p>Reading: lowerCamelCase or snake_case names; {@code null} is the default value; strings only
 * where a string belongs ({@code null} included: a JSON string); integers as numbers or numeric
 * strings, integral and in range; enums by name or number. An unknown or repeated field, a wrong
 * type, trailing tokens, malformed JSON or invalid UTF-8 is a {@link
 * EnvoyProtocol.BadRequestException} naming what was wrong.
 *
 * <p>Writing: a response with a field this class does not write (quota, raw body, dynamic
 * metadata, raw header values, sub-second durations) is printed by {@code JsonFormat} instead, so
 * the output is always {@code JsonFormat}'s.
 */
final class EnvoyJson {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonFormat.Printer FALLBACK =
      JsonFormat.printer().omittingInsignificantWhitespace();
  /** The JSON number grammar, for integers given as strings (as protojson accepts them). */
  private static final Pattern NUMBER =
      Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
  private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFF_FFFFL);
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(
      BigInteger.ONE);
  private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  /** google.protobuf.Duration's range, which JsonFormat checks. */
  private static final long DURATION_MAX_SECONDS = 315_576_000_000L;

  private EnvoyJson() {}

  // ---- reading

  /** The request in {@code body} (UTF-8). */
  static RateLimitRequest parse(byte[] body) {
    for (byte b : body) {
      if (b <= 0) { // not ASCII (or NUL): check the UTF-8 strictly first
        return parse(utf8(body));
      }
    }
    try (JsonParser p = FACTORY.createParser(body)) {
      return request(p);
    } catch (JsonProcessingException e) {
      throw bad("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalStateException(e); // no I/O on a byte array
    }
  }

  /** The request in {@code body}. */
  static RateLimitRequest parse(String body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      return request(p);
    } catch (JsonProcessingException e) {
      throw bad("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalStateException(e); // no I/O on a string
    }
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw bad("the body is not valid UTF-8");
    }
  }

  private static RateLimitRequest request(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw bad("the body is empty");
    }
    if (t != JsonToken.START_OBJECT) {
      throw bad("the body must be a JSON object");
    }
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder();
    int seen = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "domain" -> {
          seen = once(seen, 1, () -> name);
          b.setDomain(string(p, v, () -> name));
        }
        case "descriptors" -> {
          seen = once(seen, 2, () -> name);
          descriptors(p, v, b);
        }
        case "hits_addend", "hitsAddend" -> {
          seen = once(seen, 4, () -> name);
          if (v != JsonToken.VALUE_NULL) {
            b.setHitsAddend((int) integer(p, v, BigInteger.ZERO, UINT32_MAX, () -> name));
          }
        }
        default -> throw unknown(() -> name);
      }
    }
    if (p.nextToken() != null) {
      throw bad("malformed JSON: trailing tokens after the body's object");
    }
    return b.build();
  }

  private static void descriptors(JsonParser p, JsonToken v, RateLimitRequest.Builder b)
      throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_ARRAY) {
      throw invalid("descriptors must be an array");
    }
    int i = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
      if (t != JsonToken.START_OBJECT) {
        throw invalid(at(i, -1, "") + " must be an object");
      }
      b.addDescriptors(descriptor(p, i));
    }
  }

  private static RateLimitDescriptor descriptor(JsonParser p, int i) throws IOException {
    RateLimitDescriptor.Builder d = RateLimitDescriptor.newBuilder();
    int seen = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "entries" -> {
          seen = once(seen, 1, () -> at(i, -1, name));
          entries(p, v, d, i);
        }
        case "limit" -> {
          seen = once(seen, 2, () -> at(i, -1, name));
          if (v == JsonToken.START_OBJECT) {
            d.setLimit(limit(p, i));
          } else if (v != JsonToken.VALUE_NULL) {
            throw invalid(at(i, -1, "limit") + " must be an object");
          }
        }
        case "hits_addend", "hitsAddend" -> {
          seen = once(seen, 4, () -> at(i, -1, name));
          if (v != JsonToken.VALUE_NULL) {
            d.setHitsAddend(UInt64Value.of(
                integer(p, v, BigInteger.ZERO, UINT64_MAX, () -> at(i, -1, name))));
          }
        }
        default -> throw unknown(() -> at(i, -1, name));
      }
    }
    return d.build();
  }

  private static void entries(JsonParser p, JsonToken v, RateLimitDescriptor.Builder d, int i)
      throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_ARRAY) {
      throw invalid(at(i, -1, "entries") + " must be an array");
    }
    int j = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), j++) {
      if (t != JsonToken.START_OBJECT) {
        throw invalid(at(i, j, "") + " must be an object");
      }
      int entry = j;
      RateLimitDescriptor.Entry.Builder e = RateLimitDescriptor.Entry.newBuilder();
      int seen = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken ev = p.nextToken();
        switch (name) {
          case "key" -> {
            seen = once(seen, 1, () -> at(i, entry, name));
            e.setKey(string(p, ev, () -> at(i, entry, name)));
          }
          case "value" -> {
            seen = once(seen, 2, () -> at(i, entry, name));
            e.setValue(string(p, ev, () -> at(i, entry, name)));
          }
          default -> throw unknown(() -> at(i, entry, name));
        }
      }
      d.addEntries(e);
    }
  }

  private static RateLimitDescriptor.RateLimitOverride limit(JsonParser p, int i)
      throws IOException {
    RateLimitDescriptor.RateLimitOverride.Builder l =
        RateLimitDescriptor.RateLimitOverride.newBuilder();
    int seen = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      Where where = () -> at(i, -1, "limit." + name);
      switch (name) {
        case "requests_per_unit", "requestsPerUnit" -> {
          seen = once(seen, 1, where);
          if (v != JsonToken.VALUE_NULL) {
            l.setRequestsPerUnit((int) integer(p, v, BigInteger.ZERO, UINT32_MAX, where));
          }
        }
        case "unit" -> {
          seen = once(seen, 2, where);
          if (v == JsonToken.VALUE_STRING) {
            EnumValueDescriptor u = RateLimitUnit.getDescriptor().findValueByName(p.getText());
            if (u == null) {
              throw invalid(where.path() + ": unknown unit \"" + abbreviate(p.getText()) + "\"");
            }
            l.setUnitValue(u.getNumber());
          } else if (v != JsonToken.VALUE_NULL) {
            // an enum's number: unknown numbers are kept, as for any open proto3 enum
            l.setUnitValue((int) integer(p, v, INT32_MIN, INT32_MAX, where));
          }
        }
        default -> throw unknown(where);
      }
    }
    return l.build();
  }

  /** Where in the request a value is, for messages; built only when one is needed. */
  @FunctionalInterface
  private interface Where {
    String path();
  }

  /** {@code descriptors[i]}, {@code .entries[j]} when {@code j >= 0}, then {@code .name}. */
  private static String at(int i, int j, String name) {
    return "descriptors[" + i + "]" + (j >= 0 ? ".entries[" + j + "]" : "")
        + (name.isEmpty() ? "" : "." + name);
  }

  /** Marks {@code bit} seen; a field given twice (under either of its names) is an error. */
  private static int once(int seen, int bit, Where where) {
    if ((seen & bit) != 0) {
      throw invalid(where.path() + " is given twice");
    }
    return seen | bit;
  }

  /** A JSON string, as Go's protojson requires where the proto has a string (not even null). */
  private static String string(JsonParser p, JsonToken v, Where where) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw bad(where.path() + " must be a string");
    }
    return p.getText();
  }

  /**
   * An integer in {@code min..max} from a JSON number or a string holding one ({@code 3},
   * {@code 3.0}, {@code 3e0}, {@code "3"}), as protojson reads integer fields; the long's bits
   * for uint64.
   */
  private static long integer(JsonParser p, JsonToken v, BigInteger min, BigInteger max,
      Where where) throws IOException {
    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      long n = p.getLongValue();
      if (n >= min.longValue() && (max.bitLength() > 63 || n <= max.longValue())) {
        return n;
      }
      throw outOfRange(where, p.getText(), min, max);
    }
    String text;
    String shown;
    if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
      text = p.getText();
      shown = abbreviate(text);
    } else if (v == JsonToken.VALUE_STRING) {
      text = p.getText();
      shown = "\"" + abbreviate(text) + "\"";
      if (text.length() > 1000 || !NUMBER.matcher(text).matches()) {
        throw outOfRange(where, shown, min, max);
      }
    } else {
      throw outOfRange(where, v.isScalarValue() ? p.getText() : "a JSON " + kind(v), min, max);
    }
    BigInteger n = integral(text);
    if (n == null || n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      throw outOfRange(where, shown, min, max);
    }
    return n.longValue();
  }

  /** The integer {@code text} (a JSON number) is, or null when not integral or far too large. */
  private static @Nullable BigInteger integral(String text) {
    BigDecimal d;
    try {
      d = new BigDecimal(text);
    } catch (NumberFormatException e) {
      return null; // an exponent beyond int's range
    }
    if (d.signum() == 0) {
      return BigInteger.ZERO;
    }
    d = d.stripTrailingZeros();
    if (d.scale() > 0 || d.precision() - d.scale() > 21) {
      return null; // a fraction, or more digits than any 64-bit integer has
    }
    return d.toBigIntegerExact();
  }

  private static String kind(JsonToken v) {
    return v == JsonToken.START_ARRAY ? "array" : "object";
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  private static EnvoyProtocol.BadRequestException outOfRange(Where where, String got,
      BigInteger min, BigInteger max) {
    return invalid(where.path() + " must be an integer in " + min + ".." + max + ", not " + got);
  }

  private static EnvoyProtocol.BadRequestException unknown(Where where) {
    return invalid("unknown field " + abbreviate(where.path()));
  }

  private static EnvoyProtocol.BadRequestException invalid(String message) {
    return bad("invalid RateLimitRequest: " + message);
  }

  private static EnvoyProtocol.BadRequestException bad(String message) {
    return new EnvoyProtocol.BadRequestException(message);
  }

  // ---- writing

  /** {@code response} as {@code JsonFormat.printer().omittingInsignificantWhitespace()} prints it. */
  static String print(RateLimitResponse response) {
    if (!printable(response)) {
      try {
        return FALLBACK.print(response);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e); // an out-of-range duration: a bug of ours
      }
    }
    // fields in number order, zero values left out, as JsonFormat does
    StringBuilder sb = new StringBuilder(64 + 128 * response.getStatusesCount());
    sb.append('{');
    if (response.getOverallCodeValue() != 0) {
      name(sb, "overallCode");
      code(sb, response.getOverallCode(), response.getOverallCodeValue());
    }
    if (response.getStatusesCount() > 0) {
      name(sb, "statuses");
      sb.append('[');
      for (int i = 0; i < response.getStatusesCount(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        status(sb, response.getStatuses(i));
      }
      sb.append(']');
    }
    headers(sb, "responseHeadersToAdd", response.getResponseHeadersToAddList());
    headers(sb, "requestHeadersToAdd", response.getRequestHeadersToAddList());
    return sb.append('}').toString();
  }

  /** Whether every field set in {@code r} is one {@link #print} writes itself. */
  private static boolean printable(RateLimitResponse r) {
    if (!r.getRawBody().isEmpty() || r.hasDynamicMetadata() || r.hasQuota()) {
      return false;
    }
    for (DescriptorStatus s : r.getStatusesList()) {
      if (s.hasQuota()) {
        return false;
      }
      if (s.hasDurationUntilReset()) {
        Duration d = s.getDurationUntilReset();
        if (d.getNanos() != 0 || Math.abs(d.getSeconds()) > DURATION_MAX_SECONDS) {
          return false;
        }
      }
    }
    return rawFree(r.getResponseHeadersToAddList()) && rawFree(r.getRequestHeadersToAddList());
  }

  private static boolean rawFree(List<HeaderValue> headers) {
    for (HeaderValue h : headers) {
      if (!h.getRawValue().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static void status(StringBuilder sb, DescriptorStatus s) {
    sb.append('{');
    if (s.getCodeValue() != 0) {
      name(sb, "code");
      code(sb, s.getCode(), s.getCodeValue());
    }
    if (s.hasCurrentLimit()) {
      RateLimitResponse.RateLimit l = s.getCurrentLimit();
      name(sb, "currentLimit");
      sb.append('{');
      if (l.getRequestsPerUnit() != 0) {
        name(sb, "requestsPerUnit");
        sb.append(Integer.toUnsignedString(l.getRequestsPerUnit()));
      }
      if (l.getUnitValue() != 0) {
        name(sb, "unit");
        if (l.getUnit() == RateLimitResponse.RateLimit.Unit.UNRECOGNIZED) {
          sb.append(l.getUnitValue());
        } else {
          sb.append('"').append(l.getUnit().name()).append('"');
        }
      }
      if (!l.getName().isEmpty()) {
        name(sb, "name");
        string(sb, l.getName());
      }
      sb.append('}');
    }
    if (s.getLimitRemaining() != 0) {
      name(sb, "limitRemaining");
      sb.append(Integer.toUnsignedString(s.getLimitRemaining()));
    }
    if (s.hasDurationUntilReset()) {
      name(sb, "durationUntilReset");
      sb.append('"').append(s.getDurationUntilReset().getSeconds()).append("s\"");
    }
    sb.append('}');
  }

  private static void headers(StringBuilder sb, String field, List<HeaderValue> headers) {
    if (headers.isEmpty()) {
      return;
    }
    name(sb, field);
    sb.append('[');
    for (int i = 0; i < headers.size(); i++) {
      HeaderValue h = headers.get(i);
      sb.append(i > 0 ? ",{" : "{");
      if (!h.getKey().isEmpty()) {
        name(sb, "key");
        string(sb, h.getKey());
      }
      if (!h.getValue().isEmpty()) {
        name(sb, "value");
        string(sb, h.getValue());
      }
      sb.append('}');
    }
    sb.append(']');
  }

  private static void code(StringBuilder sb, RateLimitResponse.Code code, int number) {
    if (code == RateLimitResponse.Code.UNRECOGNIZED) {
      sb.append(number); // JsonFormat prints an unknown enum value as its number
    } else {
      sb.append('"').append(code.name()).append('"');
    }
  }

  /** A field's name and colon, after a comma unless it is the object's first. */
  private static void name(StringBuilder sb, String name) {
    if (sb.charAt(sb.length() - 1) != '{') {
      sb.append(',');
    }
    sb.append('"').append(name).append("\":");
  }

  /** A JSON string escaped as JsonFormat's Gson does (HTML-safe: {@code < > & = '} too). */
  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    int last = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String r;
      if (c < 0x20) {
        r = switch (c) {
          case '\t' -> "\\t";
          case '\b' -> "\\b";
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\f' -> "\\f";
          default -> String.format("\\u%04x", (int) c);
        };
      } else {
        r = switch (c) {
          case '"' -> "\\\"";
          case '\\' -> "\\\\";
          case '<' -> "\\u003c";
          case '>' -> "\\u003e";
          case '&' -> "\\u0026";
          case '=' -> "\\u003d";
          case '\'' -> "\\u0027";
          case '\u2028' -> "\\u2028";
          case '\u2029' -> "\\u2029";
          default -> null;
        };
      }
      if (r != null) {
        sb.append(s, last, i).append(r);
        last = i + 1;
      }
    }
    sb.append(s, last, s.length()).append('"');
  }
}
