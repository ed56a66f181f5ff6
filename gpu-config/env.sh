# Source this file (". gpu-config/env.sh") on an NVIDIA machine whose OpenCL ICD loader has no
# NVIDIA entry (/etc/OpenCL/vendors/nvidia.icd missing; "clinfo" or "dspn4j devices" shows no GPU).
# It points the loader (ocl-icd) at this folder, whose nvidia.icd names the driver's OpenCL library.
# Only the vendors listed here are then visible (PoCL, if installed, is hidden).

# This folder: from bash's BASH_SOURCE, zsh's %x, else ./gpu-config (POSIX sh cannot tell a sourced
# file its own path: run it from the repository root there, or set DSPN4J_GPU_CONFIG).
if [ -n "${DSPN4J_GPU_CONFIG:-}" ]; then
  _dspn4j_src="$DSPN4J_GPU_CONFIG/env.sh"
elif [ -n "${BASH_VERSION:-}" ]; then
  eval '_dspn4j_src="${BASH_SOURCE[0]}"'
elif [ -n "${ZSH_VERSION:-}" ]; then
  eval '_dspn4j_src="${(%):-%x}"'
else
  _dspn4j_src="gpu-config/env.sh"
fi
_dspn4j_gpu_config="$(cd "$(dirname "$_dspn4j_src")" && pwd)"
unset _dspn4j_src
if [ ! -f "$_dspn4j_gpu_config/nvidia.icd" ]; then
  echo "gpu-config/env.sh: cannot find nvidia.icd in $_dspn4j_gpu_config; set DSPN4J_GPU_CONFIG" >&2
fi
export OCL_ICD_VENDORS="$_dspn4j_gpu_config"

# The library named in nvidia.icd must be loadable by dlopen: on the linker path, or named by full path.
_dspn4j_icd_lib="$(head -n 1 "$_dspn4j_gpu_config/nvidia.icd")"
case "$_dspn4j_icd_lib" in
  /*) [ -e "$_dspn4j_icd_lib" ] || echo "gpu-config/env.sh: $_dspn4j_icd_lib does not exist; edit nvidia.icd" >&2 ;;
  *)
    if ! { ldconfig -p 2>/dev/null | grep -q "$_dspn4j_icd_lib"; } && \
       ! ( for d in $(echo "${LD_LIBRARY_PATH:-}" | tr ':' ' '); do [ -e "$d/$_dspn4j_icd_lib" ] && exit 0; done; exit 1 ); then
      echo "gpu-config/env.sh: $_dspn4j_icd_lib is not on the linker path; is the NVIDIA driver installed?" \
           "Put its full path in gpu-config/nvidia.icd or add its folder to LD_LIBRARY_PATH." >&2
    fi
    ;;
esac
unset _dspn4j_icd_lib

# JVM flags for the OpenCL engine: G1 only (other collectors move the arena and Aparapi then loses
# device data silently; the engine refuses to start without G1). G1 is the JDK default; be explicit.
export DSPN4J_JAVA_OPTS="${DSPN4J_JAVA_OPTS:--XX:+UseG1GC}"
