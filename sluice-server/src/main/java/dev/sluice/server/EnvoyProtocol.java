package dev.sluice.server;

import com.google.protobuf.Duration;
import dev.sluice.Limit;
import dev.sluice.enforcement.Item;
import dev.sluice.enforcement.Status;
import dev.sluice.enforcement.Verdict;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.RateLimitHeaders;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.LimitOverride;
import dev.sluice.rules.RuleLimit;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * envoy's {@code RateLimitRequest}/{@code RateLimitResponse} to and from the enforcement layer's
 * terms ({@link Item}s in, a {@link Verdict} out), shared by the gRPC service and {@code POST
 * /json} so both answer identically.
 */
final class EnvoyProtocol {

  private EnvoyProtocol() {}

  /**
   * The items of {@code request}: hits are the descriptor's {@code hits_addend} when set (0 then
   * checks without counting), else the request's, where 0 means 1 (as envoy).
   *
   * @throws BadRequestException for an empty domain, no descriptors, too many descriptors or
   *     entries, or a descriptor without entries
   */
  static List<Item> items(RateLimitRequest request, ServerConfig config) {
    if (request.getDomain().isEmpty()) {
      throw new BadRequestException("rate limit domain must not be empty");
    }
    int n = request.getDescriptorsCount();
    if (n == 0) {
      throw new BadRequestException("rate limit descriptor list must not be empty");
    }
    if (n > config.maxDescriptors()) {
      throw new BadRequestException("too many descriptors: " + n + " (at most "
          + config.maxDescriptors() + ")");
    }
    long requestHits = Math.max(1, Integer.toUnsignedLong(request.getHitsAddend()));
    List<Item> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      RateLimitDescriptor d = request.getDescriptors(i);
      int entries = d.getEntriesCount();
      if (entries == 0) {
        throw new BadRequestException("descriptors[" + i + "] has no entries");
      }
      if (entries > config.maxEntries()) {
        throw new BadRequestException("descriptors[" + i + "] has " + entries
            + " entries (at most " + config.maxEntries() + ")");
      }
      List<Descriptor.Entry> list = new ArrayList<>(entries);
      for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
        if (e.getKey().isEmpty()) {
          throw new BadRequestException("descriptors[" + i + "] has an entry with an empty key");
        }
        list.add(new Descriptor.Entry(e.getKey(), e.getValue()));
      }
      long hits = requestHits;
      if (d.hasHitsAddend()) {
        hits = d.getHitsAddend().getValue();
        if (hits < 0 || hits > Limit.MAX_EXACT) {
          throw new BadRequestException("descriptors[" + i + "].hits_addend is too large: "
              + Long.toUnsignedString(hits) + " (at most " + Limit.MAX_EXACT + ")");
        }
      }
      LimitOverride override = null;
      if (d.hasLimit()) {
        override = override(d.getLimit(), i);
      }
      items.add(new Item(Descriptor.of(list), hits, override));
    }
    return items;
  }

  /**
   * The descriptor's {@code limit} as an override: envoy's units only ({@code UNKNOWN} and numbers
   * outside the enum are refused).
   */
  private static LimitOverride override(RateLimitDescriptor.RateLimitOverride o, int i) {
    // by number: WEEK (7) is newer than the compiled proto, which then calls it UNRECOGNIZED
    Limit.Unit unit = switch (o.getUnitValue()) {
      case RateLimitUnit.SECOND_VALUE -> Limit.Unit.SECOND;
      case RateLimitUnit.MINUTE_VALUE -> Limit.Unit.MINUTE;
      case RateLimitUnit.HOUR_VALUE -> Limit.Unit.HOUR;
      case RateLimitUnit.DAY_VALUE -> Limit.Unit.DAY;
      case RateLimitUnit.MONTH_VALUE -> Limit.Unit.MONTH;
      case RateLimitUnit.YEAR_VALUE -> Limit.Unit.YEAR;
      case 7 -> Limit.Unit.WEEK;
      default -> throw new BadRequestException("descriptors[" + i + "].limit.unit must be one of"
          + " SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR; was " + (o.getUnitValue() == 0
          ? "UNKNOWN" : String.valueOf(o.getUnitValue())));
    };
    return new LimitOverride(Integer.toUnsignedLong(o.getRequestsPerUnit()), unit);
  }

  /** envoy's response for {@code verdict}, with rate limit headers when {@code headers}. */
  static RateLimitResponse response(Verdict verdict, boolean headers, HeaderStyle style) {
    return response(verdict, headers, style, HeaderNames.DEFAULT);
  }

  /** As {@link #response(Verdict, boolean, HeaderStyle)}, with the x-ratelimit headers' names. */
  static RateLimitResponse response(Verdict verdict, boolean headers, HeaderStyle style,
      HeaderNames names) {
    RateLimitResponse.Builder b = RateLimitResponse.newBuilder()
        .setOverallCode(verdict.overLimit() ? Code.OVER_LIMIT : Code.OK);
    for (Status s : verdict.statuses()) {
      DescriptorStatus.Builder ds = DescriptorStatus.newBuilder()
          .setCode(s.overLimit() ? Code.OVER_LIMIT : Code.OK);
      RuleLimit l = s.ruleLimit();
      if (s.unlimited()) {
        ds.setLimitRemaining(-1); // uint32 max, as envoy reports unlimited descriptors
      } else if (l != null) {
        RateLimitResponse.RateLimit.Builder rl = RateLimitResponse.RateLimit.newBuilder()
            .setRequestsPerUnit((int) Math.min(l.requestsPerUnit(), 0xFFFF_FFFFL))
            .setUnit(RateLimitResponse.RateLimit.Unit.valueOf(l.unit().name()));
        l.name().ifPresent(rl::setName);
        ds.setCurrentLimit(rl)
            .setLimitRemaining((int) Math.min(Math.max(0, s.remaining()), 0xFFFF_FFFFL))
            .setDurationUntilReset(Duration.newBuilder()
                .setSeconds(RateLimitHeaders.ceilSeconds(s.resetAfterMicros())));
      }
      b.addStatuses(ds);
    }
    if (headers) {
      for (Map.Entry<String, String> h : RateLimitHeaders.of(verdict, style, names).entrySet()) {
        b.addResponseHeadersToAdd(HeaderValue.newBuilder().setKey(h.getKey())
            .setValue(h.getValue()));
      }
    }
    return b.build();
  }

  /** A request that cannot be decided; its message goes back to the client. */
  static final class BadRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
      super(message, null, false, false);
    }
  }
}
