#!/usr/bin/env bash
# etcd-replicas.sh ROUNDS : three Portcullis replicas (18501-18503, the second and third started with a copy
# of the first's pki) on one one-member etcd (client port 18495). Every round measures, for k = 1, 2, 3, a
# fixed number of requests spread evenly over the first k replicas at once (16 connections in all, h2load,
# HTTP/1.1, the token user "bench" under RBAC): GET one ConfigMap with no resourceVersion (the latest
# state, as kubectl asks) and creates (POST with generateName). All three replicas run throughout, so each
# write reaches every replica's watch cache whichever replica took it. Prints the rate over all k, and the
# CPU time per request of all three replicas together and of etcd.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${BENCH_DIR:?BENCH_DIR: a writable copy of the shared load harness}"
N_GET=${N_GET:-24000}
N_CREATE=${N_CREATE:-6000}
rm -rf /tmp/bpd-r1 /tmp/bpd-r2 /tmp/bpd-r3 /tmp/bench-etcd-replicas
source "$repo/bench/etcd-member.sh"
start_etcd /tmp/bench-etcd-replicas 18495 18496
urls=()
for i in 1 2 3; do
  if (( i > 1 )); then mkdir -p /tmp/bpd-r$i && cp -r /tmp/bpd-r1/pki /tmp/bpd-r$i/; fi
  urls+=("$($repo/bench/start-portcullis.sh 1850$i /tmp/bpd-r$i --etcd-servers http://127.0.0.1:18495)")
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
replica_ticks() { local t=0; for i in 1 2 3; do t=$((t + $(ticks "$(cat /tmp/bpd-r$i/portcullis.pid)"))); done; echo $t; }
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"p-","labels":{"app":"bench"}},"data":{"config.yaml":"key1: value1\\nkey2: value2\\nkey3: value3\\nkey4: value4\\nkey5: value5\\n"}}' > create.json
# seed through the first, warm every replica up with the harness itself
for url in "${urls[@]}"; do CONNS=16 H1_TOOL=h2load H2=off DURATION=5 WARMUP=5 SCENARIOS=get,post ./load.sh "$url" bench-token >/dev/null 2>&1; done
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# round replicas scenario requests replicas_cpu_us_per_req etcd_cpu_us_per_req req_s"
for r in $(seq 1 "${1:-3}"); do
  for s in get create; do
    for k in 1 2 3; do
      path=/api/v1/namespaces/default/configmaps/bench-0; n=$N_GET; extra=()
      [[ $s == create ]] && { path=/api/v1/namespaces/bench-post/configmaps; n=$N_CREATE; extra=(-d create.json -H 'Content-Type: application/json'); }
      t0=$(replica_ticks); e0=$(ticks $etcd_pid); s0=$(date +%s%N)
      loads=()
      for ((i = 0; i < k; i++)); do
        h2load --h1 -n $((n / k)) -c $((16 / k)) -t 1 -m 1 "${extra[@]}" -H 'Accept: application/json' \
          -H 'Authorization: Bearer bench-token' "${urls[$i]}$path" > "out-$i.txt" 2>&1 &
        loads+=($!)
      done
      wait "${loads[@]}"
      s1=$(date +%s%N); t1=$(replica_ticks); e1=$(ticks $etcd_pid)
      ok=$(cat out-*.txt | awk '/^status codes:/ {n += $3} END {print n}')
      rm -f out-*.txt
      awk -v r=$r -v k=$k -v s=$s -v n="$ok" -v t=$((t1 - t0)) -v e=$((e1 - e0)) -v ns=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%s %s %s %d %.1f %.1f %.1f\n", r, k, s, n, t / hz * 1e6 / n, e / hz * 1e6 / n, n / (ns / 1e9)}'
    done
  done
  echo "# load average after round $r: $(cut -d' ' -f1-3 /proc/loadavg)"
done
rss() { awk '/^VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$1/status"; }
echo "# resident memory: replicas $(for i in 1 2 3; do echo -n "$(rss "$(cat /tmp/bpd-r$i/portcullis.pid)"), "; done)etcd $(rss $etcd_pid);" \
  "etcd db $(du -m /tmp/bench-etcd-replicas/b0/member/snap/db | cut -f1) MiB;" \
  "ConfigMaps in bench-post: $(( $(curl -sk -H 'Authorization: Bearer bench-token' "${urls[0]}/api/v1/namespaces/bench-post/configmaps?limit=1" | grep -o '"remainingItemCount":[0-9]*' | cut -d: -f2) + 1 ))"
for i in 1 2 3; do kill "$(cat /tmp/bpd-r$i/portcullis.pid)"; done
sleep 2
kill "$etcd_pid"
