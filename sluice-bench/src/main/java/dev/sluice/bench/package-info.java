/**
 * JMH benchmarks of Sluice against Bucket4j, Resilience4j and Guava, and a plain main measuring
 * the heap retained per idle key. Run them all with {@code sluice-bench/run.sh}; results and
 * method are in {@code docs/benchmarks.md}.
 *
 * <p>Every contender is measured on the same {@link dev.sluice.bench.Workload}: the same keys,
 * visited in the same order, under a {@link dev.sluice.bench.Mix} that makes every measured call
 * an admission or every call a denial.
 */
package dev.sluice.bench;
