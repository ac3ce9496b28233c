#!/usr/bin/env bash
# watch-fanout.sh PORT DATA_DIR [WATCHERS [UPDATES [threads|loops [WARMUP]]]]
# The watch fan-out benchmark with the server in a process of its own (bench/start-portcullis.sh,
# the token user "bench" with a role on configmaps) and the watchers and the writer in another
# JVM (io.portcullis.bench.WatchFanout --url), both on this machine's clock. PORTCULLIS_JAR runs
# another build's server; JAVA_OPTS goes to the server's JVM (a JFR recording, say). The client's
# class path is target/test-classes, target/classes and target/cp.txt of this checkout, made by
#   mvn -B -o -q -pl server dependency:build-classpath -Dmdep.outputFile=$PWD/target/cp.txt -Dmdep.includeScope=test
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${1:?usage: watch-fanout.sh PORT DATA_DIR [WATCHERS [UPDATES [threads|loops [WARMUP]]]]}"
dir="${2:?usage: watch-fanout.sh PORT DATA_DIR [WATCHERS [UPDATES [threads|loops [WARMUP]]]]}"
[ ! -e "$dir" ] || { echo "$dir exists: give a new directory" >&2; exit 1; }
url="$("$here/bench/start-portcullis.sh" "$port" "$dir" | tail -n 1)"
trap 'kill "$(cat "$dir/portcullis.pid")" 2>/dev/null || true' EXIT
java -Xss256k -cp "$here/target/test-classes:$here/target/classes:$(cat "$here/target/cp.txt")" \
  io.portcullis.bench.WatchFanout "${3:-1000}" "${4:-100}" "${5:-threads}" --url "$url" --token bench-token --pid "$(cat "$dir/portcullis.pid")" --warmup "${6:-10}"
