#!/usr/bin/env bash
# Runs the JMH microbenchmarks (codec, engine fan-out). Extra arguments go to JMH, e.g. a regex:
#   chat-loadtest/jmh.sh CodecBenchmark -wi 2 -i 3
set -euo pipefail
cd "$(dirname "$0")/.."
# One reactor run, so the classpath points at the sibling modules' target/classes.
mvn -B -q -DskipTests -pl chat-loadtest -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
cp="chat-loadtest/target/test-classes:chat-loadtest/target/classes:$(cat chat-loadtest/target/jmh.classpath)"
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
