#!/usr/bin/env bash
# etcd-vs-sqlite.sh ROUNDS : two Portcullis servers at once, one on SQLite (18481) and one on a one-member
# etcd (18482, etcd's client port 18490). Measurements alternate between them, a fixed number of requests
# each (h2load, HTTP/1.1, 16 connections, the token user "bench" under RBAC):
#   get0, list0    GET one ConfigMap / LIST 100 with resourceVersion=0: answered from the watch cache as it is
#   get, list      the same with no resourceVersion: the latest state (on etcd a quorum read of the revision first)
#   create         POST a ConfigMap with generateName: a durable create
# For each: the rate h2load saw, and the CPU time (utime+stime from /proc) of the server process and, on the
# etcd side, of the etcd process too, per request.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${BENCH_DIR:?BENCH_DIR: a writable copy of the shared load harness}"
N_GET=${N_GET:-20000}
N_LIST=${N_LIST:-5000}
N_CREATE=${N_CREATE:-5000}
rm -rf /tmp/bpd-sqlite /tmp/bpd-etcd /tmp/bench-etcd-data
source "$repo/bench/etcd-member.sh"
start_etcd /tmp/bench-etcd-data 18490 18491
sqlite=$($repo/bench/start-portcullis.sh 18481 /tmp/bpd-sqlite)
etcd=$($repo/bench/start-portcullis.sh 18482 /tmp/bpd-etcd --etcd-servers http://127.0.0.1:18490)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"p-","labels":{"app":"bench"}},"data":{"config.yaml":"key1: value1\\nkey2: value2\\nkey3: value3\\nkey4: value4\\nkey5: value5\\n"}}' > create.json
# seed (100 ConfigMaps in default, the namespace bench-post) and warm both up with the harness itself
for url in $sqlite $etcd; do CONNS=16 H1_TOOL=h2load H2=off DURATION=5 WARMUP=5 SCENARIOS=get,list,post ./load.sh "$url" bench-token >/dev/null 2>&1; done
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# round store scenario requests server_cpu_us_per_req etcd_cpu_us_per_req req_s"
for r in $(seq 1 "${1:-5}"); do
  for s in get0 list0 get list create; do
    for mode in sqlite etcd; do
      url=$sqlite; d=/tmp/bpd-sqlite; [[ $mode == etcd ]] && { url=$etcd; d=/tmp/bpd-etcd; }
      path=/api/v1/namespaces/default/configmaps; n=$N_LIST; extra=()
      case $s in
        get0) path=$path/bench-0?resourceVersion=0; n=$N_GET ;;
        get) path=$path/bench-0; n=$N_GET ;;
        list0) path=$path?resourceVersion=0 ;;
        create) path=/api/v1/namespaces/bench-post/configmaps; n=$N_CREATE; extra=(-d create.json -H 'Content-Type: application/json') ;;
      esac
      pid=$(cat $d/portcullis.pid)
      t0=$(ticks $pid); e0=$(ticks $etcd_pid)
      out=$(h2load --h1 -n "$n" -c 16 -t 1 -m 1 "${extra[@]}" -H 'Accept: application/json' -H 'Authorization: Bearer bench-token' "$url$path" 2>&1)
      t1=$(ticks $pid); e1=$(ticks $etcd_pid)
      ok=$(echo "$out" | awk '/^status codes:/ {print $3}')
      rate=$(echo "$out" | awk '/^finished in/ {print $4}')
      [[ $mode == sqlite ]] && e1=$e0
      awk -v r=$r -v m=$mode -v s=$s -v n="$ok" -v t=$((t1 - t0)) -v e=$((e1 - e0)) -v rate="$rate" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%s %s %s %d %.1f %.1f %s\n", r, m, s, n, t / hz * 1e6 / n, e / hz * 1e6 / n, rate}'
    done
  done
  echo "# load average after round $r: $(cut -d' ' -f1-3 /proc/loadavg)"
done
kill "$(cat /tmp/bpd-sqlite/portcullis.pid)" "$(cat /tmp/bpd-etcd/portcullis.pid)"
sleep 2
kill "$etcd_pid"
