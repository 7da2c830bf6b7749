package dev.sluice.http;

import dev.sluice.enforcement.Quota;
import dev.sluice.enforcement.Status;
import org.jspecify.annotations.Nullable;

/** The body of a refusal: an RFC 9457 problem, or a template. */
final class DenialBody {

  static final DenialBody PROBLEM = new DenialBody(null);

  private final @Nullable String template;

  DenialBody(@Nullable String template) {
    this.template = template;
  }

  /** The body for a refusal with {@code status} decided by {@code s} (null: nothing limited it). */
  String render(@Nullable Status s, int status) {
    Quota q = s == null ? null : s.limit();
    long retry = s == null || s.retryAfterMicros() == Long.MAX_VALUE
        ? -1 : RateLimitHeaders.retryAfterSeconds(s.retryAfterMicros());
    if (template == null) {
      StringBuilder b = new StringBuilder("{\"type\":\"about:blank\",\"title\":\"")
          .append(title(status)).append("\",\"status\":").append(status).append(",\"detail\":\"");
      if (q == null) {
        b.append("Rate limit exceeded.\"");
      } else if (retry < 0) {
        b.append("Rate limit ").append(Json.escape(q.name()))
            .append(" can never admit this request.\"");
      } else {
        b.append("Rate limit ").append(Json.escape(q.name()))
            .append(" exceeded; retry after ").append(retry)
            .append(retry == 1 ? " second." : " seconds.")
            .append("\",\"retryAfter\":").append(retry);
      }
      return b.append('}').toString();
    }
    return template
        .replace("{retryAfter}", Long.toString(Math.max(retry, 0)))
        .replace("{limit}", q == null ? "0" : Long.toString(q.count()))
        .replace("{remaining}", s == null || s.overLimit() ? "0" : Long.toString(s.remaining()))
        .replace("{reset}", s == null ? "0"
            : Long.toString(RateLimitHeaders.ceilSeconds(s.resetAfterMicros())))
        .replace("{name}", q == null ? "" : Json.escape(q.name()));
  }

  /** The problem's title: the status's reason phrase for the usual refusals. */
  private static String title(int status) {
    return switch (status) {
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      case 403 -> "Forbidden";
      case 400 -> "Bad Request";
      default -> "Rate Limit Exceeded";
    };
  }
}
