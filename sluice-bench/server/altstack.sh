#!/usr/bin/env bash
# The server stack's ceiling, side by side (docs/server-benchmarks.md, "Server stack"): Armeria's
# no-ops in the service with the baselines (dev.sluice.bench.server.BaselineServer, memory
# backend) against the alternative stack,
# grpc-java's Netty server (with its default executor, and with directExecutor) plus the JDK's
# HttpServer (TCP_NODELAY on, 2 x cores threads) (dev.sluice.bench.server.AltStackNoop), serving
# the same no-ops.
#
#   sluice-bench/server/altstack.sh
#
# Both servers run at once (each idle while the other is measured); wrk on both HTTP POST /noop
# and h2load on both gRPC ShouldRateLimit(__noop__), the same -t/-c/-d as run.sh, alternated for
# $ROUNDS rounds after a 5 s warm-up of each; the median round is reported. Everything started is
# stopped by pid. Raw outputs: sluice-bench/server/results/altstack-<stamp>/ (gitignored).
# Builds under the shared lock, measures under the exclusive one (flock on $SLUICE_CPU_LOCK).
# Settings as run.sh: DURATION (8), ROUNDS (3), CONNS (32), PIN (1: servers on CPU 0, the load
# generator on CPU 1; 0: no pinning), JAVA_OPTS (both JVMs, -Xms512m -Xmx512m), SKIP_BUILD,
# MVN_FLAGS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
PIN="${PIN:-1}"
LOCK="${SLUICE_CPU_LOCK:-/tmp/sluice-cpu.lock}"
JAVA_OPTS="${JAVA_OPTS:--Xms512m -Xmx512m}"

for tool in wrk h2load java python3 flock; do
  command -v "$tool" >/dev/null || { echo "altstack.sh: $tool not found" >&2; exit 1; }
done

if [ -z "${SLUICE_BENCH_LOCKED:-}" ]; then
  # build (unless SKIP_BUILD=1) and snapshot the jar under the shared lock
  snapshot="$(mktemp -d)"
  (
    flock -s 9
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
      echo "altstack.sh: building sluice-bench (shared lock $LOCK)" >&2
      # shellcheck disable=SC2086 # MVN_FLAGS is a list of flags
      (cd "$root" && ./mvnw -q ${MVN_FLAGS:-} -pl sluice-bench -am package -DskipTests) >&2
    fi
    [ -f "$root/sluice-bench/target/benchmarks.jar" ] \
      || { echo "altstack.sh: no benchmarks.jar in sluice-bench/target" >&2; exit 1; }
    cp "$root/sluice-bench/target/benchmarks.jar" "$snapshot/benchmarks.jar"
  ) 9>>"$LOCK"
  echo "altstack.sh: waiting for the exclusive lock $LOCK" >&2
  SLUICE_BENCH_DIR="$snapshot" SLUICE_BENCH_LOCKED=1 exec flock -x "$LOCK" "$0" "$@"
fi
work="$SLUICE_BENCH_DIR"

out="$here/results/altstack-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out" "$work/rules"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
SRV=(); GEN=()
[ "$PIN" = 1 ] && { SRV=(taskset -c 0); GEN=(taskset -c 1); }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "settings: DURATION=$DURATION ROUNDS=$ROUNDS CONNS=$CONNS PIN=$PIN JAVA_OPTS=$JAVA_OPTS"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

printf 'domain: bench\ndescriptors:\n  - key: user\n    rate_limit: {unit: second, requests_per_unit: 1000000000}\n' \
  >"$work/rules/bench.yaml"
python3 "$here/grpc_body.py" __noop__ user bench "$work/grpc-noop.bin"

wait_line() { # file pattern pid
  for _ in $(seq 1 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.2
  done
  echo "altstack.sh: $1 did not start" >&2; cat "$1" "${1%.out}.err" >&2; exit 1
}

A_HTTP="$(free_port)"; A_GRPC="$(free_port)"; A_ADMIN="$(free_port)"
"${SRV[@]}" java $JAVA_OPTS -cp "$work/benchmarks.jar" dev.sluice.bench.server.BaselineServer \
  --rules "$work/rules" --http-port "$A_HTTP" --grpc-port "$A_GRPC" --admin-port "$A_ADMIN" \
  --backend memory >"$out/armeria.out" 2>"$out/armeria.err" &
pids+=($!)
wait_line "$out/armeria.out" '^sluice: serving' $!
"${SRV[@]}" java $JAVA_OPTS -cp "$work/benchmarks.jar" dev.sluice.bench.server.AltStackNoop \
  >"$out/alt.out" 2>"$out/alt.err" &
pids+=($!)
wait_line "$out/alt.out" '^altstack: serving' $!
B_HTTP="$(sed -n 's/^altstack: serving http=\([0-9]*\) grpc=\([0-9]*\).*/\1/p' "$out/alt.out")"
B_GRPC="$(sed -n 's/^altstack: serving http=\([0-9]*\) grpc=\([0-9]*\).*/\2/p' "$out/alt.out")"
B_DIRECT="$(sed -n 's/.* grpc-direct=\([0-9]*\).*/\1/p' "$out/alt.out")"
echo "armeria: http $A_HTTP grpc $A_GRPC; alt: http $B_HTTP grpc $B_GRPC grpc-direct $B_DIRECT" | tee -a "$out/machine.txt" >&2

http_run() { # port duration
  "${GEN[@]}" wrk -t1 -c"$CONNS" -d"$2"s --latency -s "$here/json.lua" "http://127.0.0.1:$1/noop" -- allow
}
grpc_run() { # port duration
  "${GEN[@]}" h2load -t1 -c4 -m8 -D "$2" -d "$work/grpc-noop.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$1/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit"
}
cases=("armeria http $A_HTTP" "alt http $B_HTTP" "armeria grpc $A_GRPC" "alt grpc $B_GRPC"
  "alt-direct grpc $B_DIRECT")

for c in "${cases[@]}"; do
  set -- $c
  "${2}_run" "$3" 5 >/dev/null
done
results="$out/results.tsv"
: >"$results"
for r in $(seq 1 "$ROUNDS"); do
  for c in "${cases[@]}"; do
    set -- $c
    f="$out/$1-$2-r$r.txt"
    "${2}_run" "$3" "$DURATION" >"$f"
    if [ "$2" = http ]; then
      rps="$(awk '/^Requests\/sec/ {print $2}' "$f")"
      bad="$(awk '/Non-2xx|Socket errors/ {print}' "$f" | tr '\n' ' ')"
    else
      rps="$(awk '/^finished in/ {print $4}' "$f")"
      bad="$(awk '/^requests:/ {print $10}' "$f") failed"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$r" "$rps" "${bad:-0}" | tee -a "$results" >&2
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

python3 - "$results" >"$out/report.md" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    stack, proto, r, rps, bad = line.rstrip("\n").split("\t")
    runs[(stack, proto)].append((float(rps), bad))
print("| protocol | Armeria req/s (median) | each round | alternative | alternative req/s (median) | each round | Armeria ÷ alternative |")
print("|---|---:|---|---|---:|---|---:|")
names = {"http": [("alt", "JDK HttpServer")],
         "grpc": [("alt", "grpc-java Netty, default executor"), ("alt-direct", "grpc-java Netty, directExecutor")]}
for proto in ("http", "grpc"):
    a = runs[("armeria", proto)]
    ma = statistics.median(x[0] for x in a)
    ra = " / ".join(f"{x[0]:.0f}" for x in a)
    for key, name in names[proto]:
        b = runs[(key, proto)]
        mb = statistics.median(x[0] for x in b)
        rb = " / ".join(f"{x[0]:.0f}" for x in b)
        print(f"| {proto} | {ma:.0f} | {ra} | {name} | {mb:.0f} | {rb} | {ma / mb:.0%} |")
print("\nerrors, last round: " + "; ".join(f"{k[0]} {k[1]}: {v[-1][1]}" for k, v in runs.items()))
PY
cat "$out/report.md"
echo "raw outputs: $out" >&2
