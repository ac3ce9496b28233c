#!/usr/bin/env bash
# audit-cpu.sh ROUNDS : two Portcullis servers at once, audit off (18471) and audit at Metadata for every
# request to a log file (18472). Measurements alternate between them; for each, the server process's
# CPU time (utime+stime from /proc) over a fixed number of requests, and the rate h2load saw.
# CPU per request is what a saturated server's capacity is the inverse of, and unlike req/s it does not
# depend on how much of the shared machine the server got during the run.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${BENCH_DIR:?BENCH_DIR: a writable copy of the shared load harness}"
N=${N:-20000}
printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n' > metadata-policy.yaml
rm -rf /tmp/bpd-off /tmp/bpd-on
off=$($repo/bench/start-portcullis.sh 18471 /tmp/bpd-off)
on=$($repo/bench/start-portcullis.sh 18472 /tmp/bpd-on --audit-policy-file "$BENCH_DIR/metadata-policy.yaml" --audit-log-path /tmp/bpd-on/audit.log)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# seed (100 ConfigMaps) and warm both up with the harness itself
for url in $off $on; do CONNS=16 H1_TOOL=h2load H2=off DURATION=5 WARMUP=5 SCENARIOS=get,list,post ./load.sh "$url" bench-token >/dev/null 2>&1; done
echo "# round mode scenario requests cpu_s cpu_us_per_req h2load_req_s"
for r in $(seq 1 "${1:-5}"); do
  for s in get list; do
    path=/api/v1/namespaces/default/configmaps/bench-0; [[ $s == list ]] && path=/api/v1/namespaces/default/configmaps
    for mode in off on; do
      url=$off; d=/tmp/bpd-off; [[ $mode == on ]] && { url=$on; d=/tmp/bpd-on; }
      pid=$(cat $d/portcullis.pid)
      t0=$(ticks $pid)
      out=$(h2load --h1 -n "$N" -c 16 -t 1 -m 1 -H 'Accept: application/json' -H 'Authorization: Bearer bench-token' "$url$path" 2>&1)
      t1=$(ticks $pid)
      ok=$(echo "$out" | awk '/^status codes:/ {print $3}')
      rate=$(echo "$out" | awk '/^finished in/ {print $4}')
      awk -v r=$r -v m=$mode -v s=$s -v n="$ok" -v t=$((t1 - t0)) -v rate="$rate" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%s %s %s %d %.2f %.1f %s\n", r, m, s, n, t / hz, t / hz * 1e6 / n, rate}'
    done
  done
done
echo "# audit events written: $(cat /tmp/bpd-on/audit*.log | wc -l)"
kill "$(cat /tmp/bpd-off/portcullis.pid)" "$(cat /tmp/bpd-on/portcullis.pid)"
