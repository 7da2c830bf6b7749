package dev.sluice.load;

import org.jspecify.annotations.Nullable;

/**
 * One request of a run. Times in nanoseconds are offsets from the run's start ({@code
 * System.nanoTime} based); the epoch times are wall-clock microseconds read with {@link
 * java.time.Instant#now()}, just before the request was handed to the client and just after its
 * response was complete, so that a server's decision time lies between them.
 *
 * @param index the request's number, from 0, in schedule order
 * @param scheduledNanos when it was due
 * @param sentNanos when it was handed to the HTTP client (later than due when {@code
 *     --concurrency} requests were already in flight, or the generator fell behind)
 * @param doneNanos when the response was complete, or the request failed
 * @param sentEpochMicros wall clock at {@code sentNanos}
 * @param doneEpochMicros wall clock at {@code doneNanos}
 * @param status the HTTP status, or 0 when there was no response (I/O error, timeout)
 * @param error why there was no response, else null
 */
public record Sample(
    long index,
    long scheduledNanos,
    long sentNanos,
    long doneNanos,
    long sentEpochMicros,
    long doneEpochMicros,
    int status,
    @Nullable String error) {

  /** The outcome of a request, as {@code sluice load} counts it. */
  public enum Outcome {
    /** A 2xx response. */
    ALLOWED,
    /** A 429 response. */
    DENIED,
    /** Any other status, or no response. */
    ERROR
  }

  /** 2xx is allowed, 429 denied, everything else an error. */
  public Outcome outcome() {
    if (status >= 200 && status < 300) {
      return Outcome.ALLOWED;
    }
    return status == 429 ? Outcome.DENIED : Outcome.ERROR;
  }

  /** The latency as a user sees it: from when the request was due to its complete response. */
  public long latencyNanos() {
    return doneNanos - scheduledNanos;
  }
}
