#!/usr/bin/env bash
# start-portcullis.sh PORT DATA_DIR [SERVER_FLAG...]
# Starts Portcullis for the load harness (../shared/bench/load.sh) with a token user "bench" whose
# rights come from a ClusterRoleBinding to a ClusterRole covering configmaps and namespaces, so RBAC
# is evaluated on every request. Prints the URL; the token is "bench-token". Stop it with
# kill $(cat DATA_DIR/portcullis.pid). Further arguments are passed to `portcullis server`
# (for instance --audit-policy-file and --audit-log-path). PORTCULLIS_JAR runs another build's jar
# (with its lib/ beside it), to compare two builds side by side.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${1:?usage: start-portcullis.sh PORT DATA_DIR}"
dir="${2:?usage: start-portcullis.sh PORT DATA_DIR}"
shift 2
mkdir -p "$dir"
echo "bench-token,bench,1000" > "$dir/tokens.csv"
"$here/portcullis" --help >/dev/null  # builds the jar if needed, outside the timed start
java ${JAVA_OPTS:-} -jar "${PORTCULLIS_JAR:-$here/target/portcullis.jar}" server --data-dir "$dir" --secure-port "$port" \
  --token-auth-file "$dir/tokens.csv" "$@" > "$dir/portcullis.log" 2>&1 &
echo $! > "$dir/portcullis.pid"
for _ in $(seq 1 300); do
  curl -sk "https://127.0.0.1:$port/readyz" 2>/dev/null | grep -q ok && break
  sleep 0.1
done
export KUBECONFIG="$dir/admin.kubeconfig"
kubectl create clusterrole bench --verb='*' --resource=configmaps,namespaces >/dev/null 2>&1 || true
kubectl create clusterrolebinding bench --clusterrole=bench --user=bench >/dev/null 2>&1 || true
echo "https://127.0.0.1:$port"
