#!/usr/bin/env bash
# etcd-vs-sqlite.sh ROUNDS : two Portcullis servers at once, one on SQLite (18481) and one on a one-member
# etcd (18482, etcd's client port 18490). Measurements alternate between them, a fixed number of requests
# each (h2load, HTTP/1.1, 16 connections, the token user "bench" under RBAC):
#   get0, list0    GET one ConfigMap / LIST 100 with resourceVersion=0: answered from the watch cache as it is
#   get, list      the same with no resourceVersion: the latest state (on etcd a quorum read of the revision first)
#   create         POST a ConfigMap with generateName: a durable create
# For each: the rate h2load saw, the CPU time (utime+stime from /proc) of the server process and, on the
# etcd side, of the etcd process too, per request, and on the etcd side the Range RPCs etcd answered per
# request (its grpc_server_handled_total).
# MEASURE (default "get0 list0 get list create") picks some of them; N_GET, N_LIST and N_CREATE set the
# number of requests of each (20000, 5000, 5000).
# BEFORE_JAR=/path/portcullis.jar (another build, its lib/ beside it) starts the same pair from that build
# too (SQLite on 18483, etcd on 18484 with its own etcd member on 18492), named sqlite-before and
# etcd-before, and every measurement runs on all four in turn.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${BENCH_DIR:?BENCH_DIR: a writable copy of the shared load harness}"
N_GET=${N_GET:-20000}
N_LIST=${N_LIST:-5000}
N_CREATE=${N_CREATE:-5000}
MEASURE=${MEASURE:-get0 list0 get list create}
rm -rf /tmp/bpd-sqlite /tmp/bpd-etcd /tmp/bench-etcd-data /tmp/bpd-sqlite-before /tmp/bpd-etcd-before /tmp/bench-etcd-data-before
source "$repo/bench/etcd-member.sh"
declare -A url dir etcd_of etcd_port
start_etcd /tmp/bench-etcd-data 18490 18491
etcd_of[etcd]=$etcd_pid; etcd_port[etcd]=18490
url[sqlite]=$($repo/bench/start-portcullis.sh 18481 /tmp/bpd-sqlite); dir[sqlite]=/tmp/bpd-sqlite
url[etcd]=$($repo/bench/start-portcullis.sh 18482 /tmp/bpd-etcd --etcd-servers http://127.0.0.1:18490); dir[etcd]=/tmp/bpd-etcd
modes="sqlite etcd"
if [[ -n ${BEFORE_JAR:-} ]]; then
  start_etcd /tmp/bench-etcd-data-before 18492 18493
  etcd_of[etcd-before]=$etcd_pid; etcd_port[etcd-before]=18492
  url[sqlite-before]=$(PORTCULLIS_JAR=$BEFORE_JAR $repo/bench/start-portcullis.sh 18483 /tmp/bpd-sqlite-before); dir[sqlite-before]=/tmp/bpd-sqlite-before
  url[etcd-before]=$(PORTCULLIS_JAR=$BEFORE_JAR $repo/bench/start-portcullis.sh 18484 /tmp/bpd-etcd-before --etcd-servers http://127.0.0.1:18492)
  dir[etcd-before]=/tmp/bpd-etcd-before
  modes="sqlite etcd sqlite-before etcd-before"
fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ranges() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^grpc_server_handled_total\{.*grpc_method="Range"/ {n += $2} END {printf "%d", n}'; }
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"p-","labels":{"app":"bench"}},"data":{"config.yaml":"key1: value1\\nkey2: value2\\nkey3: value3\\nkey4: value4\\nkey5: value5\\n"}}' > create.json
# seed (100 ConfigMaps in default, the namespace bench-post) and warm both up with the harness itself
for mode in $modes; do CONNS=16 H1_TOOL=h2load H2=off DURATION=5 WARMUP=5 SCENARIOS=get,list,post ./load.sh "${url[$mode]}" bench-token >/dev/null 2>&1; done
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# round store scenario requests server_cpu_us_per_req etcd_cpu_us_per_req req_s etcd_ranges_per_req"
for r in $(seq 1 "${1:-5}"); do
  for s in $MEASURE; do
    for mode in $modes; do
      path=/api/v1/namespaces/default/configmaps; n=$N_LIST; extra=()
      case $s in
        get0) path=$path/bench-0?resourceVersion=0; n=$N_GET ;;
        get) path=$path/bench-0; n=$N_GET ;;
        list0) path=$path?resourceVersion=0 ;;
        create) path=/api/v1/namespaces/bench-post/configmaps; n=$N_CREATE; extra=(-d create.json -H 'Content-Type: application/json') ;;
      esac
      pid=$(cat ${dir[$mode]}/portcullis.pid)
      e0=0; e1=0; r0=0; r1=0
      [[ $mode == etcd* ]] && { e0=$(ticks ${etcd_of[$mode]}); r0=$(ranges ${etcd_port[$mode]}); }
      t0=$(ticks $pid)
      out=$(h2load --h1 -n "$n" -c 16 -t 1 -m 1 "${extra[@]}" -H 'Accept: application/json' -H 'Authorization: Bearer bench-token' "${url[$mode]}$path" 2>&1)
      t1=$(ticks $pid)
      [[ $mode == etcd* ]] && { e1=$(ticks ${etcd_of[$mode]}); r1=$(ranges ${etcd_port[$mode]}); }
      ok=$(echo "$out" | awk '/^status codes:/ {print $3}')
      rate=$(echo "$out" | awk '/^finished in/ {print $4}')
      awk -v r=$r -v m=$mode -v s=$s -v n="$ok" -v t=$((t1 - t0)) -v e=$((e1 - e0)) -v g=$((r1 - r0)) -v rate="$rate" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%s %s %s %d %.1f %.1f %s %.2f\n", r, m, s, n, t / hz * 1e6 / n, e / hz * 1e6 / n, rate, g / n}'
    done
  done
  echo "# load average after round $r: $(cut -d' ' -f1-3 /proc/loadavg)"
done
for mode in $modes; do kill "$(cat ${dir[$mode]}/portcullis.pid)"; done
sleep 2
for mode in $modes; do [[ $mode == etcd* ]] && kill "${etcd_of[$mode]}"; done
