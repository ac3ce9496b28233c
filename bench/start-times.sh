#!/usr/bin/env bash
# start-times.sh SEED_DIR ROUNDS VARIANT... : cold starts side by side, interleaved round after round.
# VARIANT is "baseline" (the bare Vert.x HTTPS server of ../shared/bench, built there by its
# run-baseline.sh, in BENCH, default /tmp/bench) or a directory holding a `portcullis` launcher and
# its target/. Each Portcullis start serves a fresh copy of SEED_DIR (a stopped server's data
# directory). One line per start: variant, wall ms from exec to the first 200 (/readyz, or any GET for
# the baseline), CPU ms of the process by then, and for Portcullis the resident MiB after IDLE
# seconds (default 5) and its own "ready in" ms; then the load average.
set -uo pipefail
seed=${1:?usage: start-times.sh SEED_DIR ROUNDS VARIANT...}; rounds=${2:?}; shift 2
bench=${BENCH:-/tmp/bench}
now() { date +%s%N; }
cpu() { awk '{print ($14+$15)*10}' "/proc/$1/stat"; }
wait_ok() { # url pid
  until [ "$(curl -sk -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ]; do
    kill -0 "$2" 2>/dev/null || return 1; sleep 0.01; done
}
work=$(mktemp -d)
for _ in $(seq 1 "$rounds"); do
  for v in "$@"; do
    port=$((19000 + RANDOM % 1000))
    if [ "$v" = baseline ]; then
      s=$(now); java -Xms1g -Xmx1g -jar "$bench/baseline-vertx/target/baseline-vertx.jar" "$port" \
        "$bench/baseline-vertx/cert/bench.p12" changeit 2 >"$work/baseline.log" 2>&1 & pid=$!
      wait_ok "https://127.0.0.1:$port/" $pid; e=$(now); c=$(cpu $pid)
      echo "baseline $(( (e-s)/1000000 )) $c"
    else
      rm -rf "$work/data"; cp -a "$seed" "$work/data"; rm -f "$work/data"/*.lock
      s=$(now); "$v/portcullis" server --data-dir "$work/data" --secure-port "$port" >"$work/server.log" 2>&1 & pid=$!
      wait_ok "https://127.0.0.1:$port/readyz" $pid; e=$(now); c=$(cpu $pid)
      sleep "${IDLE:-5}"; rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
      echo "$v $(( (e-s)/1000000 )) $c $rss $(grep -o 'ready in [0-9]*' "$work/server.log" | grep -o '[0-9]*')"
    fi
    kill $pid; wait $pid 2>/dev/null
  done
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
done
rm -rf "$work"
