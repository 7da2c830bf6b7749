#!/usr/bin/env bash
# Builds sluice-bench/target/benchmarks.jar and runs the whole benchmark suite in one go:
#   1. token bucket and GCRA: Sluice vs Bucket4j, Resilience4j, Guava; 1 and 2 threads; -prof gc
#   2. one resource without keys: ResourceLimiter vs one instance of each rival; 1 and 2 threads
#   3. cost as keys grow: 1,000 to 10,000,000 keys, 1 thread
#   4. every Sluice algorithm, 1 thread; -prof gc
#   5. the pieces of one Sluice decision (clock, map lookup, monitor, Decision); -prof gc
#   6. a stack profile of Sluice's token bucket (-prof stack)
#   7. heap retained per idle key at 1,000,000 keys (plain main, fixed heap, ParallelGC)
#   8. waiting: 1,000 threads on one limiter of 1,000 permits/s (plain main)
# then writes report.md (tables of docs/benchmarks.md) from the JSON results.
#
#   sluice-bench/run.sh           full run, ~15 minutes on 2 cores (the settings reported)
#   sluice-bench/run.sh --smoke   tiny settings, ~4 minutes: checks that everything runs
#
# Results go to bench-results/<date-time>/ (gitignored), also reachable as bench-results/latest.
# Extra Maven flags (e.g. -o for offline) can be passed in MVN_FLAGS.
#
# The machine's cores are shared through one lock file (/tmp/sluice-cpu.lock, override with
# SLUICE_CPU_LOCK): the build holds it shared, like every build, and the whole measurement holds it
# exclusively, so no build or other benchmark runs while anything is measured.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
if [[ "${1:-}" == "--smoke" ]]; then
  mode=smoke
fi

# JMH settings: 1 fork, 2 × 1 s warmup, 3 × 1 s measurement per benchmark (about 6.5 s each with
# fork start and setup). The rival comparison runs in $rounds rounds; within a round the four
# contenders of one (threads, keys, mix) run back to back, so noise from other work on the machine
# hits them alike. report.md gives the median of all measurement iterations of all rounds, with
# the worst and best iteration.
if [[ $mode == full ]]; then
  timing=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  rounds=2
  heap_keys=1000000
  heap_repeats=3
else
  timing=(-f 1 -wi 1 -w 200ms -i 2 -r 200ms)
  rounds=1
  heap_keys=100000
  heap_repeats=2
fi

lock=${SLUICE_CPU_LOCK:-/tmp/sluice-cpu.lock}
exec 9>>"$lock"
flock -s 9
# shellcheck disable=SC2086 # MVN_FLAGS is a list of flags
./mvnw -q ${MVN_FLAGS:-} -pl sluice-bench -am package -DskipTests
jar=sluice-bench/target/benchmarks.jar

echo "waiting for the exclusive lock on $lock"
locking=$(date +%s)
flock -x 9
locked=$(date +%s)

out="bench-results/$(date -u +%Y%m%dT%H%M%SZ)-$mode"
mkdir -p "$out"
ln -sfn "$(basename "$out")" bench-results/latest
echo "results: $out"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (waited $((locked - locking)) s for $lock)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "jmh: ${timing[*]}; forks run with -Xms2g -Xmx2g (default collector, G1)"
  echo "heap per key: -Xms4g -Xmx4g -XX:+UseParallelGC, $heap_keys keys, $heap_repeats repeats"
} > "$out/machine.txt"
cat "$out/machine.txt"

jmh() {
  local name=$1
  shift
  echo "== $name"
  java -jar "$jar" "$@" "${timing[@]}" -rf json -rff "$out/$name.json" -o "$out/$name.log"
  tail -n +1 "$out/$name.log" | grep -E '^(Benchmark|RateLimiter|Sluice)' | grep -vE ':(gc\.(count|time|alloc\.rate )|allowed|denied)' || true
}

# 1. Token bucket against the rivals, each (threads, keys, mix) on its own so its four contenders
# run back to back. ADMIT_REFILLED only with many keys: on one hot key it is ADMIT's path again.
for round in $(seq 1 "$rounds"); do
  for t in 1 2; do
    for case in 1:ADMIT 1:DENY 100000:ADMIT 100000:ADMIT_REFILLED 100000:DENY; do
      keys=${case%%:*}
      mix=${case#*:}
      jmh "comparison-r$round-t$t-$keys-$mix" 'RateLimiterComparison' -t "$t" -p keys="$keys" -p mix="$mix" -prof gc
    done
  done
done

# 2. One resource, no keys.
for t in 1 2; do
  jmh "one-resource-t$t" 'OneResourceComparison' -t "$t" -p mix=ADMIT,DENY -prof gc
done

# 3. Cost as keys grow (the fork has an 8 GiB heap for 10 million keys).
if [[ $mode == full ]]; then growth_keys=1000,100000,1000000,10000000; else growth_keys=1000,100000; fi
jmh growth 'KeyCountGrowth' -t 1 -p keys="$growth_keys" -p mix=ADMIT

# 4. Every algorithm.
jmh algorithms 'SluiceAlgorithms' -t 1 -p keys=1,100000 -p mix=ADMIT,DENY -prof gc
jmh algorithms-refilled 'SluiceAlgorithms' -t 1 -p keys=100000 -p mix=ADMIT_REFILLED -prof gc

# 5. The pieces of a decision.
jmh parts 'SluiceHotPathParts' -t 1 -p keys=1,100000 -p mix=ADMIT -prof gc

# 6. Where Sluice's time goes: hottest frames, 3 lines of stack each (text only, not in report.md).
echo "== stack profile"
java -jar "$jar" 'RateLimiterComparison.sluice$' -t 1 -p keys=1,100000 -p mix=ADMIT,DENY,ADMIT_REFILLED \
  "${timing[@]}" -prof 'stack:lines=3;top=12' -o "$out/stack.txt"

# 7. Heap retained per idle key.
echo "== heap per idle key"
java -Xms4g -Xmx4g -XX:+UseParallelGC -cp "$jar" dev.sluice.bench.RetainedHeapPerKey "$heap_keys" "$heap_repeats" \
  | tee "$out/heap.txt"

# 8. Waiting for a permit.
echo "== waiting"
java -cp "$jar" dev.sluice.bench.WaitingFairness 1000 | tee "$out/waiting.txt"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
java -cp "$jar" dev.sluice.bench.BenchReport "$out" > "$out/report.md"
echo "report: $out/report.md"
