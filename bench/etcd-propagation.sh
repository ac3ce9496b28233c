#!/usr/bin/env bash
# etcd-propagation.sh ROUNDS : two Portcullis replicas (18511, 18512; the second with a copy of the first's
# pki) on one one-member etcd (client port 18515). Each round, as the admin through the first replica:
#   rbac    create a RoleBinding granting the ServiceAccount prop/robot-N the ClusterRole view, then time
#           until the second replica lets robot-N's token list ConfigMaps (403 -> 200)
#   token   delete the ServiceAccount prop/robot-N, then time until the second replica refuses its token
#           (200 -> 401)
# Times run from just before the write is sent to the first answer showing the change; the second
# replica is asked in a loop, one curl (a new TLS connection) after another, so a figure includes up to
# one curl round trip of polling.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rm -rf /tmp/bpd-p1 /tmp/bpd-p2 /tmp/bench-etcd-propagation
source "$repo/bench/etcd-member.sh"
start_etcd /tmp/bench-etcd-propagation 18515 18516
a=$($repo/bench/start-portcullis.sh 18511 /tmp/bpd-p1 --etcd-servers http://127.0.0.1:18515)
mkdir -p /tmp/bpd-p2 && cp -r /tmp/bpd-p1/pki /tmp/bpd-p2/
b=$($repo/bench/start-portcullis.sh 18512 /tmp/bpd-p2 --etcd-servers http://127.0.0.1:18515)
admin() { curl -sk --cert /tmp/bpd-p1/pki/admin.crt --key /tmp/bpd-p1/pki/admin.key -H 'Content-Type: application/json' "$@"; }
as_robot() { curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$b/api/v1/namespaces/prop/configmaps"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
until_code() { # TOKEN CODE START_MS -> prints the elapsed ms once the second replica answers CODE
  local deadline=$(( $(now_ms) + 30000 ))
  while [[ $(as_robot "$1") != "$2" ]]; do
    (( $(now_ms) < deadline )) || { echo "over-30000"; return; }
  done
  echo $(( $(now_ms) - $3 ))
}
admin -X POST "$a/api/v1/namespaces" -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prop"}}' >/dev/null
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# round rbac_ms token_ms"
for r in $(seq 1 "${1:-20}"); do
  admin -X POST "$a/api/v1/namespaces/prop/serviceaccounts" -d "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"robot-$r\"}}" >/dev/null
  token=$(admin -X POST "$a/api/v1/namespaces/prop/serviceaccounts/robot-$r/token" \
    -d '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}' | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
  [[ -n "$token" ]] || { echo "no token for robot-$r" >&2; break; }
  until_code "$token" 403 0 >/dev/null   # known on the second replica, allowed nothing yet
  t0=$(now_ms)
  admin -X POST "$a/apis/rbac.authorization.k8s.io/v1/namespaces/prop/rolebindings" -d "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",
    \"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"robot-$r\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",
    \"name\":\"view\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"robot-$r\",\"namespace\":\"prop\"}]}" >/dev/null
  rbac=$(until_code "$token" 200 "$t0")
  t0=$(now_ms)
  admin -X DELETE "$a/api/v1/namespaces/prop/serviceaccounts/robot-$r" >/dev/null
  revoked=$(until_code "$token" 401 "$t0")
  echo "$r $rbac $revoked"
done
kill "$(cat /tmp/bpd-p1/portcullis.pid)" "$(cat /tmp/bpd-p2/portcullis.pid)"
sleep 2
kill "$etcd_pid"
