package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link EnvoyJson} against protobuf's {@code JsonFormat} as the oracle: every request
 * {@code JsonFormat} writes (camelCase or snake_case, compact or indented, with or without default
 * values) reads back to the same message, and every response prints byte for byte as
 * {@code JsonFormat} prints it, including responses with fields only {@code JsonFormat} writes.
 */
class EnvoyJsonPropertiesTest {

  private static final long MAX_SECONDS = 315_576_000_000L;

  private static final List<JsonFormat.Printer> PRINTERS = List.of(
      JsonFormat.printer(),
      JsonFormat.printer().omittingInsignificantWhitespace(),
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace(),
      JsonFormat.printer().preservingProtoFieldNames().includingDefaultValueFields(),
      JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace());

  @Property(tries = 400)
  void everyRequestJsonFormatWritesReadsBackEqual(@ForAll("requests") RateLimitRequest request)
      throws InvalidProtocolBufferException {
    for (JsonFormat.Printer printer : PRINTERS) {
      String text = printer.print(request);
      assertThat(EnvoyJson.parse(text)).as(text).isEqualTo(request);
      assertThat(EnvoyJson.parse(text.getBytes(StandardCharsets.UTF_8))).as(text)
          .isEqualTo(request);
      assertThat(JsonFormatOracle.parse(text)).as("the oracle agrees: " + text)
          .isEqualTo(request);
    }
  }

  @Property(tries = 400)
  void everyResponsePrintsAsJsonFormatPrintsIt(@ForAll("responses") RateLimitResponse response) {
    assertThat(EnvoyJson.print(response)).isEqualTo(JsonFormatOracle.print(response));
  }

  // ---- generators

  /** Text without lone surrogates (a request travels as UTF-8), JSON's special characters often. */
  static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.of("", "user", "path", "/api/v1?a=b&c='d'", "ключ", "\uD83D\uDE00 x"),
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(12),
        Arbitraries.strings().withChars("<>&='\"\\/\t\n\r\b\f\u0000\u001f\u007f\u2028\u2029")
            .ofMaxLength(6),
        Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\uffff')
            .ofMaxLength(8));
  }

  /** Any Java string, lone surrogates included: what a rule's name could hold. */
  static Arbitrary<String> anyText() {
    return Arbitraries.oneOf(text(), Arbitraries.strings().all().ofMaxLength(8));
  }

  @Provide
  Arbitrary<RateLimitRequest> requests() {
    Arbitrary<RateLimitDescriptor.Entry> entry = Combinators.combine(text(), text())
        .as((k, v) -> RateLimitDescriptor.Entry.newBuilder().setKey(k).setValue(v).build());
    Arbitrary<RateLimitDescriptor.RateLimitOverride> limit = Combinators.combine(
            Arbitraries.integers(), Arbitraries.integers().between(-2, 9))
        .as((n, unit) -> RateLimitDescriptor.RateLimitOverride.newBuilder()
            .setRequestsPerUnit(n).setUnitValue(unit).build());
    Arbitrary<RateLimitDescriptor> descriptor = Combinators.combine(
            entry.list().ofMaxSize(3), limit.optional(), Arbitraries.longs().optional())
        .as((entries, l, hits) -> {
          RateLimitDescriptor.Builder d = RateLimitDescriptor.newBuilder().addAllEntries(entries);
          l.ifPresent(d::setLimit);
          hits.ifPresent(h -> d.setHitsAddend(UInt64Value.of(h)));
          return d.build();
        });
    return Combinators.combine(text(), descriptor.list().ofMaxSize(4), Arbitraries.integers())
        .as((domain, descriptors, hits) -> RateLimitRequest.newBuilder().setDomain(domain)
            .addAllDescriptors(descriptors).setHitsAddend(hits).build());
  }

  @Provide
  Arbitrary<RateLimitResponse> responses() {
    Arbitrary<Integer> code = Arbitraries.integers().between(-1, 4);
    Arbitrary<RateLimitResponse.RateLimit> limit = Combinators.combine(
            Arbitraries.integers(), Arbitraries.integers().between(-1, 9), anyText())
        .as((n, unit, name) -> RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(n)
            .setUnitValue(unit).setName(name).build());
    Arbitrary<Duration> duration = Combinators.combine(
            Arbitraries.longs().between(-MAX_SECONDS, MAX_SECONDS),
            Arbitraries.integers().between(0, 999_999_999),
            Arbitraries.integers().between(0, 5))
        .as((s, n, pick) -> {
          // mostly whole seconds (what the server sets); sometimes nanos, signed as the seconds
          int nanos = pick > 0 ? 0 : s < 0 ? -n : n;
          return Duration.newBuilder().setSeconds(s).setNanos(nanos).build();
        });
    Arbitrary<Optional<RateLimitResponse.Quota>> quota = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(9, Arbitraries.just(Optional.<RateLimitResponse.Quota>empty())),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().map(n -> Optional.of(
            RateLimitResponse.Quota.newBuilder().setRequests(n).setId("q" + n)
                .setValidUntil(Timestamp.newBuilder().setSeconds(Math.abs(n % 100_000)))
                .build()))));
    Arbitrary<DescriptorStatus> status = Combinators.combine(code, limit.optional(),
            Arbitraries.integers(), duration.optional(), quota)
        .as((c, l, remaining, d, q) -> {
          DescriptorStatus.Builder s = DescriptorStatus.newBuilder().setCodeValue(c)
              .setLimitRemaining(remaining);
          l.ifPresent(s::setCurrentLimit);
          d.ifPresent(s::setDurationUntilReset);
          q.ifPresent(s::setQuota);
          return s.build();
        });
    Arbitrary<HeaderValue> header = Combinators.combine(anyText(), anyText(),
            Arbitraries.integers().between(0, 9))
        .as((k, v, raw) -> {
          HeaderValue.Builder h = HeaderValue.newBuilder().setKey(k).setValue(v);
          if (raw == 0) {
            h.setRawValue(ByteString.copyFromUtf8("raw " + v));
          }
          return h.build();
        });
    Arbitrary<Integer> rare = Arbitraries.integers().between(0, 19);
    return Combinators.combine(code, status.list().ofMaxSize(4), header.list().ofMaxSize(3),
            header.list().ofMaxSize(2), rare, quota)
        .as((c, statuses, responseHeaders, requestHeaders, r, q) -> {
          RateLimitResponse.Builder b = RateLimitResponse.newBuilder().setOverallCodeValue(c)
              .addAllStatuses(statuses).addAllResponseHeadersToAdd(responseHeaders);
          if (r % 2 == 0) {
            b.addAllRequestHeadersToAdd(requestHeaders);
          }
          if (r == 1) {
            b.setRawBody(ByteString.copyFromUtf8("body"));
          }
          if (r == 3) {
            b.setDynamicMetadata(Struct.newBuilder().putFields("k",
                Value.newBuilder().setStringValue("v").build()));
          }
          q.ifPresent(b::setQuota);
          return b.build();
        });
  }
}
