#!/usr/bin/env bash
# Per-op CPU time of the CPU backend, on one thread, after a warm-up step. Copies the working tree to
# a scratch directory, instruments CpuBackend there (bench/op_profile.py) and runs:
#   bench/op_profile.sh mnist  [extra JVM options]   # dspn4j bench mnist-step --steps 2 --threads 1
#   bench/op_profile.sh clevr  [extra JVM options]   # dspn4j bench clevr-step --warmup 2 --steps 1 --threads 1
#     (OP_PROFILE_WARMUP=12 OP_PROFILE_STEPS=2 for more: after two warm-up steps some Vector API loops may still run
#     as C1 compiled them, with their vectors on the heap, which the profile then charges to their op)
#   bench/op_profile.sh resnet [extra JVM options]   # ResNetBench 32 128 F32 1 1 (the image encoder alone)
# e.g. bench/op_profile.sh mnist -XX:UseAVX=2. The launcher's heap flags are used, as ./dspn4j does.
# OP_PROFILE_SHAPES=1 in the environment lists matrix products, convolutions, sums, affine and binary ops by operand shapes;
# OP_PROFILE_THREADS=2 OP_PROFILE_WALL=1 times each op by the wall clock on 2 threads (which ops scale), with its threads
#   busy (the calling thread's and the backend's workers' CPU time over the op's wall time) and the collectors' pauses in it.
# JFR is not used: on JDK 17 a flight recording keeps the Vector API kernels from being compiled to
# vector instructions, which makes the matrix products look several times slower than they are.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-mnist}"
shift || true
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$here" && tar --exclude=./target --exclude=./.git -cf - .) | tar -xf - -C "$scratch"
python3 "$here/bench/op_profile.py" "$scratch"
cd "$scratch"
mvn -B -q -o -Pbench -DskipTests package test-compile >/dev/null
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
jvm=(java -XX:+UseG1GC)
case "$what" in clevr|resnet) jvm+=(-XX:GCTimeRatio=2 -XX:G1HeapRegionSize=8m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=80 -XX:+UnlockExperimentalVMOptions -XX:G1MaxNewSizePercent=30 -Xmx2g) ;; mnist) jvm+=(-XX:GCTimeRatio=1 -XX:G1HeapRegionSize=16m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=60 -XX:MinHeapFreeRatio=10 -XX:+UnlockExperimentalVMOptions -XX:G1MaxNewSizePercent=10 -XX:G1ExpandByPercentOfAvailable=5 -Xmx2g) ;; *) jvm+=(-XX:GCTimeRatio=1 -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=90) ;; esac   # as the launcher
jvm+=(--add-modules=jdk.incubator.vector "$@")
case "$what" in
  resnet) "${jvm[@]}" -cp "target/classes:target/test-classes:$(cat target/cp.txt)" org.dspn4j.bench.ResNetBench 32 128 F32 1 1 ;;
  clevr)  "${jvm[@]}" -jar target/dspn4j.jar bench clevr-step --warmup "${OP_PROFILE_WARMUP:-2}" --steps "${OP_PROFILE_STEPS:-1}" --threads "${OP_PROFILE_THREADS:-1}" --backend cpu ;;
  *)      "${jvm[@]}" -jar target/dspn4j.jar bench mnist-step --steps 2 --threads "${OP_PROFILE_THREADS:-1}" --backend cpu ;;
esac
