#!/usr/bin/env bash
# The GPU machine's one call: unpacks .gpu-check/bundle.tar.xz (bench/gpu/pack.sh), points the OpenCL
# loader at NVIDIA's driver, then, each under its own time limit: the devices; the OpenCL tests; the MNIST
# and CLEVR-state steps, ours on the GPU (replayed, then eager) against the authors' on CUDA, one
# invocation each, separate processes; the MNIST step's per-op profile. Logs go to $OUT (or ./gpu-check-out).
# Run from the repository root:   bash bench/gpu/check.sh      (3.5-4 minutes on an H200)
# BATCH (default 32, the paper's) and SKIP_TESTS=1 are for a dry run on a CPU OpenCL device.
set -u
batch="${BATCH:-32}"
out="${OUT:-gpu-check-out}"; mkdir -p "$out"
G=/tmp/dspn4j-gpu; mkdir -p $G && tar xJf .gpu-check/bundle.tar.xz -C $G || exit 1
py="$(command -v python3)"
ldconfig -p | grep -q 'libOpenCL.so.1 ' || export LD_LIBRARY_PATH=$G/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nv=$(ldconfig -p | grep -o '/[^ ]*libnvidia-opencl.so.1' | head -1)
[ -n "$nv" ] || nv=$(find /usr/local/nvidia /usr/lib /usr/lib64 /lib -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
if [ -n "$nv" ]; then d=$(mktemp -d) && echo "$nv" > "$d/nvidia.icd" && export OCL_ICD_VENDORS=$d; fi
export DSPN4J_JAVA_OPTS="-Xmx48g"
log() { echo "=== $(date +%T) $*"; }
A=(--authors-code $G/authors --python "$py" --authors-device cuda)
{
  log machine
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  lscpu | grep -E "Model name|^CPU\(s\)"; grep -o -w -E "avx512f|avx2" /proc/cpuinfo | sort | uniq -c
  timeout 60 $G/dspn4j devices 2>&1 | grep -v '^WARNING'
} 2>&1 | tee "$out/machine.log"
log tests | tee "$out/tests.log"
[ -n "${SKIP_TESTS:-}" ] && echo skipped >> "$out/tests.log" || {
CP=$G/test-classes:$G/dspn4j.jar:$(ls $G/jqwik-*.jar | tr '\n' ':')
LD_PRELOAD=$G/jre/lib/server/libjsig.so timeout 170 $G/jre/bin/java -XX:+UseG1GC -Xmx16g --add-modules=jdk.incubator.vector \
  -jar $G/junit-console.jar execute --disable-banner --details=summary --config=jqwik.database=/tmp/jqwik-database -cp "$CP" \
  --select-package org.dspn4j.gpu --exclude-classname '.*SignalHandlersTest' \
  --select-class org.dspn4j.model.OpenClGoldenPermutationProperties --select-class org.dspn4j.experiment.ClevrOpenClTest \
  --select-class org.dspn4j.experiment.ClevrReplayOpenClTest --select-class org.dspn4j.cli.TrainReplayOpenClTest \
  --select-class org.dspn4j.cli.TraceOpenClTest --select-class org.dspn4j.cli.OpenClCommandsTest \
  --select-class org.dspn4j.cli.TraceClevrOpenClTest > "$out/tests-full.log" 2>&1
echo "tests exit $?" | tee -a "$out/tests.log"
grep -E "=>|tests (successful|failed|found)" "$out/tests-full.log" | head -30 | tee -a "$out/tests.log"
}
for graph in replay eager; do
  log "mnist, --graph $graph" | tee -a "$out/bench.log"
  timeout 120 $G/dspn4j bench mnist-step --backend opencl --graph $graph --arena-mb 8176 --steps 5 --batch $batch "${A[@]}" 2>&1 \
    | grep -v '^WARNING' | tee -a "$out/bench.log"
done
log "clevr, --graph eager" | tee -a "$out/bench.log"
timeout 120 $G/dspn4j bench clevr-step --backend opencl --graph eager --inner-steps recompute --arena-mb 8176 --steps 3 --batch $batch "${A[@]}" 2>&1 \
  | grep -v '^WARNING' | tee -a "$out/bench.log"
log "mnist op profile" | tee "$out/profile.log"
LD_PRELOAD=$G/jre/lib/server/libjsig.so timeout 60 $G/jre/bin/java -XX:+UseG1GC -Xmx48g --add-modules=jdk.incubator.vector \
  -cp $G/test-classes:$G/dspn4j.jar org.dspn4j.gpu.DspnStepTiming 64 256 342 10 $batch 3 auto 1024 2>&1 | grep -v '^WARNING' \
  | tee -a "$out/profile.log"
log done
