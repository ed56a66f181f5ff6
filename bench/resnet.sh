#!/usr/bin/env bash
# ResNet34 image encoder (ConvEncoder) forward+backward, ours then PyTorch's, in one invocation so the
# two share the machine's state: batch 32, 128x128, F32, 2 threads, 3 timed steps after a warm-up.
# Peak RSS of each process by /usr/bin/time. Extra arguments go to our JVM, e.g.
#   bench/resnet.sh -XX:+UseTransparentHugePages
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
ours=$(/usr/bin/time -f "rss_kb %M" java -XX:+UseG1GC --add-modules=jdk.incubator.vector "$@" \
  -cp "target/classes:target/test-classes:$(cat target/cp.txt)" org.dspn4j.bench.ResNetBench 32 128 F32 3 2 2>&1 \
  | grep -v "incubator")
echo "$ours"
theirs=$(/usr/bin/time -f "rss_kb %M" /usr/bin/python3 golden/generate_resnet.py --bench --steps 3 --threads 2 2>&1)
echo "$theirs"
t1=$(echo "$ours" | sed -n 's/^median \([0-9.]*\) s\/step.*/\1/p')
t2=$(echo "$theirs" | sed -n 's/^median \([0-9.]*\) s\/step.*/\1/p')
m1=$(echo "$ours" | sed -n 's/^rss_kb \([0-9]*\)/\1/p')
m2=$(echo "$theirs" | sed -n 's/^rss_kb \([0-9]*\)/\1/p')
python3 -c "print(f'ratio dspn4j/pytorch: time {$t1/$t2:.2f}, peak RSS {$m1/$m2:.2f} ({$m1/1024:.0f} MB / {$m2/1024:.0f} MB)')"
