#!/usr/bin/env bash
# list-gzip.sh PORT DATA_DIR [ROUNDS] : starts Portcullis (start-portcullis.sh), creates 500
# ConfigMaps of 768 random bytes each (base64, so the list compresses about as real data does), then
# LISTs them ROUNDS times (default 5) with and without Accept-Encoding: gzip, alternating, 200 requests
# over HTTP/1.1 on 8 connections each. Prints the body sizes, then per run the rate h2load saw and the
# server's CPU time per request (utime+stime from /proc). Stops the server at the end.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=${1:?port}; dir=${2:?data dir}; rounds=${3:-5}
bash "$here/start-portcullis.sh" "$port" "$dir" >/dev/null
pid=$(cat "$dir/portcullis.pid")
trap 'kill $pid' EXIT
export KUBECONFIG="$dir/admin.kubeconfig"
for i in $(seq 1 500); do
  echo "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-$i\"},\"data\":{\"v\":\"$(head -c 768 /dev/urandom | base64 -w0)\"}}"
done > "$dir/configmaps.json"
kubectl create -f "$dir/configmaps.json" >/dev/null
url="https://127.0.0.1:$port/api/v1/namespaces/default/configmaps"
auth=(-H 'Authorization: Bearer bench-token')
echo "# body bytes: plain $(curl -sk "${auth[@]}" "$url" | wc -c), gzip $(curl -sk "${auth[@]}" -H 'Accept-Encoding: gzip' "$url" | wc -c)"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
h2load --h1 -n 100 -c 8 -t 1 "${auth[@]}" "$url" >/dev/null 2>&1   # warm-up
echo "# round mode req_s cpu_ms_per_req load"
for r in $(seq 1 "$rounds"); do
  for mode in plain gzip; do
    enc=(); [[ $mode == gzip ]] && enc=(-H 'Accept-Encoding: gzip')
    t0=$(ticks "$pid")
    out=$(h2load --h1 -n 200 -c 8 -t 1 "${auth[@]}" "${enc[@]}" "$url" 2>&1)
    t1=$(ticks "$pid")
    rate=$(echo "$out" | awk '/^finished in/ {print $4}')
    awk -v r="$r" -v m="$mode" -v rate="$rate" -v t=$((t1 - t0)) -v hz="$hz" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
      'BEGIN { printf "%s %s %s %.2f %s\n", r, m, rate, t * 1000 / hz / 200, load }'
  done
done
