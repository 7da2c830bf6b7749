package dev.sluice.load;

import java.util.Arrays;

/** A growable list of latencies with exact nearest-rank percentiles. Not thread safe. */
final class Latencies {

  private long[] values = new long[16];
  private int size;
  private boolean sorted = true;

  void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    if (size > 0 && value < values[size - 1]) {
      sorted = false;
    }
    values[size++] = value;
  }

  int size() {
    return size;
  }

  /**
   * The nearest-rank percentile: the smallest value with at least {@code p} percent of the values
   * at or below it; 0 when empty.
   */
  long percentile(double p) {
    if (size == 0) {
      return 0;
    }
    if (!sorted) {
      Arrays.sort(values, 0, size);
      sorted = true;
    }
    int rank = (int) Math.ceil(p / 100.0 * size);
    return values[Math.max(0, Math.min(size - 1, rank - 1))];
  }

  long max() {
    return percentile(100);
  }
}
