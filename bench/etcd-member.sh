# Sourced by the etcd benchmarks. start_etcd DIR CLIENT_PORT PEER_PORT: a one-member etcd on loopback with
# its data and log in DIR (made anew), waited for until it serves clients; its pid in $etcd_pid.
start_etcd() {
  rm -rf "$1" && mkdir -p "$1"
  /usr/bin/etcd --name b0 --data-dir "$1/b0" \
    --listen-client-urls "http://127.0.0.1:$2" --advertise-client-urls "http://127.0.0.1:$2" \
    --listen-peer-urls "http://127.0.0.1:$3" --initial-advertise-peer-urls "http://127.0.0.1:$3" \
    --initial-cluster "b0=http://127.0.0.1:$3" > "$1/etcd.log" 2>&1 &
  etcd_pid=$!
  until grep -q 'ready to serve client requests' "$1/etcd.log" 2>/dev/null; do sleep 0.1; done
}
