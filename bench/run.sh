#!/usr/bin/env bash
# Builds the JMH benchmarks under bench/ and runs them: bench/run.sh [JMH options, e.g. -p threads=1]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Pbench -DskipTests test-compile
mvn -B -q -Pbench dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
exec java -XX:+UseG1GC --add-modules=jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main "$@"
