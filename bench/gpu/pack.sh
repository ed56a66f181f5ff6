#!/usr/bin/env bash
# Packs what bench/gpu/check.sh needs on a GPU machine without Java or Maven into .gpu-check/ (ignored):
# a jlink runtime and the jar (gpu-config/make-portable.sh), the test classes with the bench classes,
# JUnit's console launcher and jqwik, Debian's OpenCL ICD loader, and a copy of the authors' modules
# from DIR (github.com/Cyanogenoid/dspn at be3703b; copied for the trip, never committed).
#
#   bench/gpu/pack.sh DIR      # then run bench/gpu/check.sh there, carrying .gpu-check
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1/model.py" ] && [ -f "$1/dspn.py" ] || { echo "usage: bench/gpu/pack.sh DIR (a checkout of Cyanogenoid/dspn's dspn/ folder)" >&2; exit 2; }
authors="$(cd "$1" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q -DskipTests package
mvn -B -q -Pbench -DskipTests test-compile
gpu-config/make-portable.sh >/dev/null
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r .gpu/. "$stage/"
strip --strip-unneeded "$stage/jre/lib/server/libjvm.so" 2>/dev/null || true   # a smaller bundle to copy
cp -r target/test-classes "$stage/"
m2="${HOME}/.m2/repository"
junit="$m2/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar"
[ -f "$junit" ] || mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1
cp "$junit" "$stage/junit-console.jar"
for j in jqwik-api jqwik-engine jqwik-time jqwik-web; do cp "$m2/net/jqwik/$j/1.10.1/$j-1.10.1.jar" "$stage/"; done
mkdir -p "$stage/lib" "$stage/authors"
cp -L /lib/x86_64-linux-gnu/libOpenCL.so.1 "$stage/lib/" 2>/dev/null || true
cp -L "$authors"/*.py "$stage/authors/"
mkdir -p .gpu-check
tar -C "$stage" -cJf .gpu-check/bundle.tar.xz .
du -sh .gpu-check/bundle.tar.xz
