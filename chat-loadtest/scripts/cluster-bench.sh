#!/usr/bin/env bash
# One vs two Parley nodes on one PostgreSQL schema and one Redis prefix; the generator spreads every
# room over the nodes. Run from the repository root after `mvn -B -q -DskipTests package`, with
# PostgreSQL (database test, user postgres) and Redis on their default local ports, and psql installed.
# Usage: chat-loadtest/scripts/cluster-bench.sh NODES [chat-loadtest options...]
set -euo pipefail
NODES=$1; shift
JAR=${JAR:-chat-server-ref/target/chat-server.jar}
GEN=${GEN:-chat-loadtest/target/chat-loadtest.jar}
export JWT_SECRET=${JWT_SECRET:-bench-secret-0123456789abcdef0123456789}
RUN=cb$(date +%s)
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $RUN" >/dev/null
PIDS=(); URLS=()
for n in $(seq 1 "$NODES"); do
  port=$((18200 + n))
  REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=parley-$RUN \
  DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$RUN" DATABASE_USER=postgres \
  MAX_CONNECTIONS_PER_IP=5000 EXTENSIONS=none RATE_MESSAGES_PER_SECOND=100000 RATE_FRAMES_PER_SECOND=100000 \
  LOG_LEVEL=warn WEBSOCKET_PORT=$port java -Xmx1g -jar "$JAR" > /tmp/$RUN-node$n.log 2>&1 &
  PIDS+=($!); URLS+=("ws://127.0.0.1:$port/ws")
done
for n in $(seq 1 "$NODES"); do
  for _ in $(seq 1 60); do curl -sf http://127.0.0.1:$((18200 + n))/health >/dev/null && break; sleep 1; done
done
echo "load before: $(cut -d' ' -f1 /proc/loadavg)"
set +e
java -jar "$GEN" --url "$(IFS=,; echo "${URLS[*]}")" --jwt-secret-env JWT_SECRET --no-progress -o /tmp/$RUN-out "$@"
rc=$?
echo "load after: $(cut -d' ' -f1 /proc/loadavg) generator exit $rc"
kill "${PIDS[@]}"; wait 2>/dev/null
grep -h "WARN\|ERROR" /tmp/$RUN-node*.log | cut -c1-200 | sort | uniq -c | sort -rn | head -5
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA $RUN CASCADE" >/dev/null 2>&1
