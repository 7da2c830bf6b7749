package dev.sluice.internal;

import dev.sluice.Decision;

/** The numbers of one limit's answer, comparable between implementations. */
record Result(boolean allowed, long remaining, long resetAfter, long retryAfter) {

  static final long NEVER = Long.MAX_VALUE;

  static Result of(Outcome o) {
    return new Result(o.allowed, o.remaining, o.resetAfter, o.retryAfter);
  }

  static Result of(Decision d) {
    return new Result(d.allowed(), d.remaining(), d.resetAfterMicros(), d.retryAfterMicros());
  }

  static Result allowed(long remaining, long resetAfter) {
    return new Result(true, remaining, resetAfter, 0);
  }

  static Result denied(long remaining, long resetAfter, long retryAfter) {
    return new Result(false, remaining, resetAfter, retryAfter);
  }
}
