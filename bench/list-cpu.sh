#!/usr/bin/env bash
# list-cpu.sh ROUNDS N NAME:PORT:PID... : LIST of the harness's namespace (default), N requests over
# HTTP/1.1 then N over h2 (h2load, 16 connections, token bench-token), against each server in turn,
# ROUNDS times. Prints the rate h2load saw and the server process's CPU time per request
# (utime+stime from /proc, every thread), which unlike the rate does not depend on how much of the
# shared machine the server got during the run. The servers must be running, seeded and warmed up
# (one run of ../shared/bench/load.sh each).
set -uo pipefail
R=${1:?rounds}; N=${2:?requests}; shift 2
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "# round server proto req_s cpu_us_per_req ok load"
for r in $(seq 1 "$R"); do
  for s in "$@"; do
    IFS=: read -r name port pid <<< "$s"
    for proto in h1 h2; do
      flag=(); [[ $proto == h1 ]] && flag=(--h1)
      t0=$(ticks "$pid")
      out=$(h2load "${flag[@]}" -n "$N" -c 16 -t 1 -m 1 -H 'Accept: application/json' -H 'Authorization: Bearer bench-token' \
        "https://127.0.0.1:$port/api/v1/namespaces/default/configmaps" 2>&1)
      t1=$(ticks "$pid")
      rate=$(echo "$out" | awk '/^finished in/ {print $4}')
      ok=$(echo "$out" | awk '/^status codes:/ {print $3}')
      awk -v r="$r" -v n="$name" -v p="$proto" -v rate="$rate" -v t=$((t1 - t0)) -v hz="$hz" -v N="$N" -v ok="$ok" \
        -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { printf "%s %s %s %s %.1f %s %s\n", r, n, p, rate, t * 1e6 / hz / N, ok, load }'
    done
  done
done
