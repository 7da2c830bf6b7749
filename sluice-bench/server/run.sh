#!/usr/bin/env bash
# Throughput and latency of `sluice serve` against its own no-op baselines (docs/server-benchmarks.md).
#
#   sluice-bench/server/run.sh [memory] [redis]        default: both backends
#
# For each backend it starts the service with the no-op baselines (dev.sluice.bench.server.
# BaselineServer in sluice-bench's jar: `sluice serve` plus POST /noop and the gRPC domain
# __noop__, added through the service's extension hook) on free 127.0.0.1 ports, and for redis
# its own redis-server on a free port, then:
#   1. HTTP max throughput: wrk, the same -t/-c/-d for POST /noop, POST /json allowed and
#      POST /json denied (429), alternated for $ROUNDS rounds; the median round is reported.
#   2. gRPC max throughput: h2load with a prepared gRPC body (5-byte prefix + RateLimitRequest),
#      ShouldRateLimit for domain __noop__ (the no-op), allowed and denied, alternated likewise.
#   3. Latency at half of each one's max: h2load --rps (open pacing per connection) with
#      --log-file, percentiles computed from every request.
# Everything it starts is stopped by pid. Raw outputs go to sluice-bench/server/results/<stamp>/
# (gitignored); the tables are printed at the end and saved as report.md there.
#
# The machine is shared: the build runs under a shared lock and the whole measurement under an
# exclusive one (flock on $SLUICE_CPU_LOCK, default /tmp/sluice-cpu.lock), so no build or other
# benchmark runs meanwhile. Needs wrk, h2load, curl, python3, taskset (PIN=1) and, for the redis
# backend, redis-server: apt-get install -y wrk nghttp2-client curl redis-server.
#
# Settings (environment): DURATION (s per max-throughput run, default 8), ROUNDS (3), CONNS (32),
# LAT_DURATION (s, 10), PIN (1: server on CPU 0, load generator and redis-server on CPU 1; 0: no
# pinning), JAVA_OPTS (server JVM, default -Xms512m -Xmx512m), SKIP_BUILD (1: use the jar in
# sluice-bench/target as it is), MVN_FLAGS (e.g. -o).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
LAT_DURATION="${LAT_DURATION:-10}"
PIN="${PIN:-1}"
LOCK="${SLUICE_CPU_LOCK:-/tmp/sluice-cpu.lock}"
JAVA_OPTS="${JAVA_OPTS:--Xms512m -Xmx512m}"
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(memory redis)

for tool in wrk h2load curl java python3 flock; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (apt-get install -y wrk nghttp2-client curl)" >&2; exit 1; }
done
[ "$PIN" != 1 ] || command -v taskset >/dev/null || { echo "run.sh: taskset not found (util-linux), or PIN=0" >&2; exit 1; }

server_jar() {
  ls "$root"/sluice-bench/target/benchmarks.jar 2>/dev/null || true
}

if [ -z "${SLUICE_BENCH_LOCKED:-}" ]; then
  # Build (unless SKIP_BUILD=1) and copy the jar under the shared lock, so that a rebuild by
  # someone else, before or during the run, cannot change or remove what is measured.
  snapshot="$(mktemp -d)"
  (
    flock -s 9
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
      echo "run.sh: building sluice-bench (shared lock $LOCK)" >&2
      # shellcheck disable=SC2086 # MVN_FLAGS is a list of flags
      (cd "$root" && ./mvnw -q ${MVN_FLAGS:-} -pl sluice-bench -am package -DskipTests) >&2
    fi
    jar="$(server_jar)"
    [ -n "$jar" ] || { echo "run.sh: no benchmarks.jar in sluice-bench/target" >&2; exit 1; }
    cp "$jar" "$snapshot/$(basename "$jar")"
  ) 9>>"$LOCK"
  echo "run.sh: waiting for the exclusive lock $LOCK" >&2
  SLUICE_BENCH_JAR="$(ls "$snapshot"/*.jar)" SLUICE_BENCH_LOCKED=1 exec flock -x "$LOCK" "$0" "$@"
fi
jar="$SLUICE_BENCH_JAR"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$here/results/$stamp"
mkdir -p "$out"
work="$(dirname "$jar")"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$PIN" = 1 ]; then
  SRV=(taskset -c 0)
  GEN=(taskset -c 1)
else
  SRV=()
  GEN=()
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "h2load: $(h2load --version 2>&1 | head -1)"
  echo "redis: $(redis-server --version 2>/dev/null || echo none)"
  echo "settings: DURATION=$DURATION ROUNDS=$ROUNDS CONNS=$CONNS LAT_DURATION=$LAT_DURATION PIN=$PIN JAVA_OPTS=$JAVA_OPTS"
  echo "server jar: $(basename "$jar"), built $(date -u -r "$jar" +%Y-%m-%dT%H:%M:%SZ)"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

# Rules: user=* allowed (a limit never reached), blocked=* 1 per hour (all but the first denied).
mkdir -p "$work/rules"
cat >"$work/rules/bench.yaml" <<'YAML'
domain: bench
descriptors:
  - key: user
    rate_limit:
      unit: second
      requests_per_unit: 1000000000
  - key: blocked
    rate_limit:
      unit: hour
      requests_per_unit: 1
YAML
python3 "$here/grpc_body.py" __noop__ user bench "$work/grpc-noop.bin"
python3 "$here/grpc_body.py" bench user bench "$work/grpc-allow.bin"
python3 "$here/grpc_body.py" bench blocked bench "$work/grpc-deny.bin"
for kind in allow deny; do
  key=user; [ $kind = deny ] && key=blocked
  printf '{"domain":"bench","descriptors":[{"entries":[{"key":"%s","value":"bench"}]}]}' "$key" >"$work/json-$kind.json"
done

start_server() { # backend -> sets HTTP, GRPC, ADMIN, server_pid
  local backend="$1"
  HTTP="$(free_port)"
  GRPC="$(free_port)"
  ADMIN="$(free_port)"
  "${SRV[@]}" java $JAVA_OPTS -cp "$jar" dev.sluice.bench.server.BaselineServer \
    --rules "$work/rules" --http-port "$HTTP" --grpc-port "$GRPC" --admin-port "$ADMIN" \
    --backend "$backend" >"$out/server-$2.out" 2>"$out/server-$2.err" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 100); do
    grep -q '^sluice: serving' "$out/server-$2.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/server-$2.err" >&2; exit 1; }
    sleep 0.2
  done
  grep -q '^sluice: serving' "$out/server-$2.out" || { echo "run.sh: server did not start" >&2; exit 1; }
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# name -> url path + wrk script arg
wrk_run() { # label path kind duration
  "${GEN[@]}" wrk -t1 -c"$CONNS" -d"$4"s --latency -s "$here/json.lua" \
    "http://127.0.0.1:$HTTP$2" -- "$3"
}
h2_grpc() { # body duration [extra h2load args]
  local body="$1" d="$2"
  shift 2
  "${GEN[@]}" h2load -t1 -c4 -m8 -D "$d" -d "$body" -H 'content-type: application/grpc' \
    -H 'te: trailers' "$@" "http://127.0.0.1:$GRPC/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit"
}
h2_http() { # path body duration [extra]
  local path="$1" body="$2" d="$3"
  shift 3
  "${GEN[@]}" h2load --h1 -t1 -c"$CONNS" -D "$d" -d "$body" -H 'content-type: application/json' \
    "$@" "http://127.0.0.1:$HTTP$path"
}

results="$out/results.tsv"
: >"$results"

# the cases: label, kind, /json path or grpc body
http_cases=("noop /noop allow" "json-allow /json allow" "json-deny /json deny")
grpc_cases=("noop grpc-noop" "rls-allow grpc-allow" "rls-deny grpc-deny")

for backend in "${backends[@]}"; do
  redis_pid=""
  if [ "$backend" = redis ]; then
    command -v redis-server >/dev/null || { echo "run.sh: redis-server not found, skipping redis" >&2; continue; }
    RPORT="$(free_port)"
    "${GEN[@]}" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$work" >"$out/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    sleep 0.5
    uri="redis://127.0.0.1:$RPORT"
  else
    uri=memory
  fi
  start_server "$uri" "$backend"
  echo "== $backend: HTTP $HTTP, gRPC $GRPC ($(cat "$out/server-$backend.out"))" >&2

  # warm-up: JIT and connection pools, every endpoint
  for c in "${http_cases[@]}"; do
    set -- $c
    wrk_run "$1" "$2" "$3" 5 >/dev/null
  done
  for c in "${grpc_cases[@]}"; do
    set -- $c
    h2_grpc "$work/$2.bin" 5 >/dev/null
  done

  # what the warm-up decided (a Redis answer slower than the 50 ms timeout while the JIT is cold
  # is answered by the failure policy and counted as degraded): the measured part is the rest
  curl -s "http://127.0.0.1:$ADMIN/metrics" | grep -E '^sluice_(decisions|backend_degraded)' \
    >"$out/$backend-decisions-after-warmup.txt" || true

  for r in $(seq 1 "$ROUNDS"); do
    for c in "${http_cases[@]}"; do
      set -- $c
      f="$out/$backend-http-$1-r$r.txt"
      wrk_run "$1" "$2" "$3" "$DURATION" >"$f"
      rps="$(awk '/^Requests\/sec/ {print $2}' "$f")"
      p99="$(awk '$1=="99%" {print $2}' "$f")"
      non2xx="$(awk '/Non-2xx/ {print $NF}' "$f")"
      printf '%s\thttp\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$1" "$r" "$rps" "$p99" "${non2xx:-0}" >>"$results"
    done
    for c in "${grpc_cases[@]}"; do
      set -- $c
      f="$out/$backend-grpc-$1-r$r.txt"
      h2_grpc "$work/$2.bin" "$DURATION" >"$f"
      rps="$(awk '/^finished in/ {print $4}' "$f")"
      failed="$(awk '/^requests:/ {print $10}' "$f")"
      printf '%s\tgrpc\t%s\t%s\t%s\t-\t%s\n' "$backend" "$1" "$r" "$rps" "${failed:-?}" >>"$results"
    done
  done

  # latency at half of each case's median max throughput (h2load --rps per connection)
  for proto in http grpc; do
    cases=("${http_cases[@]}")
    [ $proto = grpc ] && cases=("${grpc_cases[@]}")
    for c in "${cases[@]}"; do
      set -- $c
      max="$(awk -F'\t' -v b="$backend" -v p=$proto -v n="$1" '$1==b && $2==p && $3==n {print $5}' "$results" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
      log="$out/$backend-$proto-$1-lat.log"
      if [ $proto = http ]; then
        per=$(python3 -c "print(max(1, round($max / 2 / $CONNS)))")
        h2_http "$2" "$work/json-$3.json" "$LAT_DURATION" --rps="$per" --log-file="$log" >"$out/$backend-$proto-$1-lat.txt"
        rate=$((per * CONNS))
      else
        per=$(python3 -c "print(max(1, round($max / 2 / 4)))")
        h2_grpc "$work/$2.bin" "$LAT_DURATION" --rps="$per" --log-file="$log" >"$out/$backend-$proto-$1-lat.txt"
        rate=$((per * 4))
      fi
      expect=200
      [ "$proto" = http ] && [ "$3" = deny ] && expect=429
      printf '%s\t%s\t%s\t%s\t%s\n' "$backend" "$proto" "$1" "$rate" "$(python3 "$here/percentiles.py" --expect "$expect" "$log")" >>"$out/latency.tsv"
    done
  done

  # the server's own count of decisions by outcome: proves allowed / denied / degraded
  curl -s "http://127.0.0.1:$ADMIN/metrics" | grep -E '^sluice_(decisions|backend_degraded)' \
    >"$out/$backend-decisions.txt" || true
  stop_pid "$server_pid"
  [ -n "$redis_pid" ] && stop_pid "$redis_pid"
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
python3 - "$results" "$out/latency.tsv" >"$out/report.md" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    b, proto, case, r, rps, p99, bad = line.rstrip("\n").split("\t")
    runs[(b, proto, case)].append((float(rps), p99, bad))
print("\n### Max throughput (median of rounds; ratio = to the no-op of the same backend and protocol)\n")
print("| backend | protocol | endpoint | req/s (median) | each round | ratio to no-op | wrk p99 at max (median) | non-2xx (http) / failed (grpc), last round |")
print("|---|---|---|---:|---|---:|---:|---:|")
for (b, proto, case), v in runs.items():
    med = statistics.median(x[0] for x in v)
    noop = statistics.median(x[0] for x in runs[(b, proto, "noop")])
    rounds = " / ".join(f"{x[0]:.0f}" for x in v)
    p99s = sorted(v, key=lambda x: x[0])[(len(v) - 1) // 2][1]
    print(f"| {b} | {proto} | {case} | {med:.0f} | {rounds} | {med / noop:.0%} | {p99s} | {v[-1][2]} |")
print("\n### Latency at half of the max throughput (h2load --rps, every request logged)\n")
print("| backend | protocol | endpoint | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | unexpected status |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
try:
    for line in open(sys.argv[2]):
        b, proto, case, rate, rest = line.rstrip("\n").split("\t", 4)
        n, ach, p50, p90, p99, p999, mx, bad = rest.split()
        print(f"| {b} | {proto} | {case} | {rate} | {ach} | {p50} | {p90} | {p99} | {p999} | {mx} | {bad} |")
except FileNotFoundError:
    pass
PY
cat "$out/report.md"
echo "raw outputs: $out" >&2
