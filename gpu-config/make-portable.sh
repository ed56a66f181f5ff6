#!/bin/sh
# Builds .gpu/ : everything needed to run dspn4j on a Linux x86-64 machine without a JDK (e.g. a
# rented GPU box): a jlink Java runtime, the shaded jar without the natives other platforms need,
# this gpu-config folder, and a launcher. Run from anywhere; uses the JDK on PATH (jlink) and
# target/dspn4j.jar (built with "mvn -B -q -DskipTests package" when missing or with --build).
#
#   gpu-config/make-portable.sh [--build]
#   .gpu/dspn4j devices          # on the target machine
set -eu

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=.gpu

if [ "${1:-}" = "--build" ] || [ ! -f target/dspn4j.jar ]; then
  mvn -B -q -DskipTests package
fi

rm -rf "$out"
mkdir -p "$out"

# 1. Java runtime: only the modules the project uses (java.desktop: ImageIO for figures;
#    java.management: the engine's G1 check; jdk.management: process CPU time in bench; jdk.unsupported:
#    Aparapi's Unsafe; jdk.incubator.vector: the CPU backend's kernels).
jlink --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,java.desktop,jdk.incubator.vector \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"

# 2. The shaded jar minus aparapi-jni's natives for other platforms (Windows, macOS, 32-bit and
#    ARM Linux): only linux/libaparapi_x86_64.so is loaded on Linux x86-64.
cp target/dspn4j.jar "$out/dspn4j.jar"
strip_entries="win/* osx/* linux/libaparapi_aarch64.so linux/libaparapi_armhf.so linux/libaparapi_x86.so"
if command -v zip >/dev/null 2>&1; then
  # shellcheck disable=SC2086  # the patterns are for zip, not the shell
  set -f; zip -q -d "$out/dspn4j.jar" $strip_entries; set +f
else
  python3 - "$out/dspn4j.jar" $strip_entries <<'PY'
import fnmatch, os, shutil, sys, zipfile
jar, pats = sys.argv[1], sys.argv[2:]
tmp = jar + ".tmp"
with zipfile.ZipFile(jar) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        if not any(fnmatch.fnmatch(info.filename, p) for p in pats):
            dst.writestr(info, src.read(info.filename))
shutil.move(tmp, jar)
PY
fi
if ! unzip -l "$out/dspn4j.jar" | grep -q 'linux/libaparapi_x86_64.so'; then
  echo "make-portable.sh: linux/libaparapi_x86_64.so missing from the jar" >&2
  exit 1
fi

# 3. OpenCL loader recipes travel along.
mkdir -p "$out/gpu-config"
cp gpu-config/README.md gpu-config/nvidia.icd gpu-config/env.sh "$out/gpu-config/"

# 4. Launcher: G1 (required by the engine), and the NVIDIA ICD entry when the system has none.
cat > "$out/dspn4j" <<'SH'
#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${OCL_ICD_VENDORS:-}" ] && [ ! -e /etc/OpenCL/vendors/nvidia.icd ] \
   && { ldconfig -p 2>/dev/null | grep -q libnvidia-opencl.so.1; }; then
  export OCL_ICD_VENDORS="$here/gpu-config"
fi
# signal chaining: the OpenCL driver must not replace the JVM's signal handlers (docs/gpu.md, "Signal handlers")
if [ -f "$here/jre/lib/libjsig.so" ]; then
  export LD_PRELOAD="$here/jre/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
# the collector settings of the repository's ./dspn4j launcher (it says why)
heap="-XX:GCTimeRatio=1 -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=90"
for a in "$@"; do
  case "$a" in clevr|clevr-box|clevr-state|clevr-step) heap="-XX:GCTimeRatio=2 -XX:G1HeapRegionSize=8m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=80 -XX:+UnlockExperimentalVMOptions -XX:G1MaxNewSizePercent=30 -Xmx2g"; break ;; esac
  case "$a" in mnist|mnist-step) heap="-XX:GCTimeRatio=1 -XX:G1HeapRegionSize=16m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=60 -XX:MinHeapFreeRatio=10 -XX:+UnlockExperimentalVMOptions -XX:G1MaxNewSizePercent=10 -XX:G1ExpandByPercentOfAvailable=5 -Xmx2g" ;; esac
done
# shellcheck disable=SC2086  # heap and DSPN4J_JAVA_OPTS hold several flags
exec "$here/jre/bin/java" -XX:+UseG1GC $heap --add-modules=jdk.incubator.vector ${DSPN4J_JAVA_OPTS:-} \
  -jar "$here/dspn4j.jar" "$@"
SH
chmod +x "$out/dspn4j"

"$out/dspn4j" --version >/dev/null
du -sh "$out/jre" "$out/dspn4j.jar"
du -sh "$out"
