package dev.sluice.bench.distributed;

import dev.sluice.ManualClock;
import java.util.PriorityQueue;

/**
 * Simulated time: events run in time order (ties in the order they were scheduled), each with the
 * shared {@link ManualClock} set to its time. Single-threaded, so a run is a pure function of its
 * inputs.
 */
final class EventQueue {

  private record Event(long time, long seq, Runnable action) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.time != b.time
      ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final ManualClock clock;
  private long seq;

  EventQueue(ManualClock clock) {
    this.clock = clock;
  }

  long now() {
    return clock.nowMicros();
  }

  /** Runs {@code action} at {@code time} (µs; not before now). */
  void at(long time, Runnable action) {
    queue.add(new Event(Math.max(time, clock.nowMicros()), seq++, action));
  }

  /** Runs every event up to and including {@code end}; leaves the clock at {@code end}. */
  void runUntil(long end) {
    while (!queue.isEmpty() && queue.peek().time <= end) {
      Event e = queue.poll();
      clock.setMicros(e.time);
      e.action.run();
    }
    clock.setMicros(end);
  }
}
