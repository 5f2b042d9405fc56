#!/usr/bin/env bash
# Runs MOSAIC's CUDA checks on a GPU machine from the folder scripts/gpu/prepare packed (this
# script's folder): no JDK, no network, no Maven needed there. Steps, each under a timeout so the
# whole run stays under 8 minutes:
#   1. environment: GPU, driver, where cudart / cuBLAS are; libmosaic_cuda.so rebuilt with the
#      machine's nvcc only if the prebuilt one lacks a system library there
#   2. the CUDA tests (JUnit console): bindings' host-side CUDA tests, the backend contract suite
#      on CUDA, resource ownership
#   3. mosaic bench-decode on a synthetic 110M bf16 model, batch 1 and 8, cuda and then cpu
#   4. compute-sanitizer memcheck on the contract suite, if the tool is there and time is left
#   5. one short table
# MOSAIC_GPU_BACKEND=cpu (scripts/gpu/prepare --dry-run) runs the same harness with the CPU
# backend and the CPU contract suite, to prove the packing on a machine without a GPU.
# Logs (tests.log, bench-*.log, a JVM crash report if any: at most 8 files) go to $OUT (the
# device tool's output folder) when set, else to ./gpu-out.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
backend=${MOSAIC_GPU_BACKEND:-cuda}
out=${OUT:-$here/gpu-out}
mkdir -p "$out"
java="$here/jdk/bin/java"
export MOSAIC_CACHE_DIR=${MOSAIC_CACHE_DIR:-/tmp/mosaic-cache}
start=$(date +%s)
say() { printf '== %s (t+%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

say "environment"
echo "commit $(cat "$here/COMMIT" 2>/dev/null || echo '?'); backend $backend; $(uname -m); $(nproc) cores"
"$java" -version 2>&1 | head -n 1
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
fi
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do
  found=$( (ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}'); \
           find /usr/local/cuda*/lib64 /opt/*/.venv/lib/python3*/site-packages/nvidia /usr/local/lib/python3*/dist-packages/nvidia \
             -maxdepth 3 -name "$lib" 2>/dev/null | head -n 1)
  echo "$lib: ${found:-not found (the backend will list where it looked)}" | head -n 2
done
kernels="$here/lib/libmosaic_cuda.so"
if [ "$backend" = cuda ] && ldd "$kernels" 2>/dev/null | grep 'not found' | grep -v libcudart >/dev/null; then
  echo "prebuilt libmosaic_cuda.so lacks: $(ldd "$kernels" | grep 'not found' | tr -s ' ' | tr '\n' ' ')"
  if command -v nvcc >/dev/null 2>&1; then
    say "rebuilding libmosaic_cuda.so with $(command -v nvcc)"
    mkdir -p "$here/build"
    timeout 240 nvcc -shared -Xcompiler -fPIC -O3 -std=c++17 --expt-relaxed-constexpr -cudart shared \
      -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90a,code=sm_90a \
      -I"$here/kernels/include" "$here"/kernels/src/*.cu -o "$here/build/libmosaic_cuda.so" && kernels="$here/build/libmosaic_cuda.so"
  fi
fi
jvm=(--enable-native-access=ALL-UNNAMED -Xss4m "-XX:ErrorFile=$out/hs_err_%p.log" "-Dmosaic.native.library=$here/lib/libmosaic.so" "-Dmosaic.cuda.library=$kernels")
cp=$(printf '%s:' "$here"/lib/*.jar)
cp="${cp%:}"

say "tests"
if [ "$backend" = cuda ]; then
  classes=(--select-class dev.mosaic.bindings.cuda.CudaHostSideTest --select-class dev.mosaic.bindings.cuda.CudaLibrariesTest
           --select-class dev.mosaic.inference.backend.cuda.CudaAvailabilityTest
           --select-class dev.mosaic.inference.backend.cuda.CudaPlansTest
           --select-class dev.mosaic.inference.backend.cuda.CudaBackendResourcesTest
           --select-class dev.mosaic.inference.backend.cuda.CudaBackendContractTest
           --select-class dev.mosaic.inference.backend.cuda.CudaVersusCpuTest)
else
  classes=(--select-class dev.mosaic.bindings.cuda.CudaHostSideTest --select-class dev.mosaic.bindings.cuda.CudaLibrariesTest
           --select-class dev.mosaic.inference.backend.cuda.CudaPlansTest
           --select-class dev.mosaic.inference.backend.CpuBackendContractTest)
fi
timeout 150 "$java" "${jvm[@]}" -jar "$here/test/junit-console.jar" execute --disable-banner --disable-ansi-colors --details=tree \
  --class-path "$cp:$here/test/bindings-tests.jar:$here/test/inference-tests.jar" "${classes[@]}" \
  >"$out/tests.log" 2>&1
tests_rc=$?
cat "$out/tests.log"
summary=$(grep -E '^\[ *[0-9]+ tests (successful|failed|skipped|aborted) *\]' "$out/tests.log" | tr -s ' ' | tr '\n' ' ')

bench() { # backend batch -> median prefill and decode tokens/s
  local b=$1 n=$2 log="$out/bench-$1-b$2.log" limit=60
  [ "$b" = cpu ] && limit=90
  say "bench-decode --backend $b --batch $n"
  timeout "$limit" "$java" "${jvm[@]}" -cp "$cp" dev.mosaic.cli.Mosaic bench-decode --synthetic bench110m-bf16 --backend "$b" \
    --batch "$n" --runs 3 --prompt-tokens 128 --gen-tokens 64 >"$log" 2>&1
  local rc=$?
  cat "$log"
  local p d
  p=$(sed -n 's/^prefill tokens\/s: min [0-9.]*  median \([0-9.]*\).*/\1/p' "$log")
  d=$(sed -n 's/^decode  tokens\/s: min [0-9.]*  median \([0-9.]*\).*/\1/p' "$log")
  rows+=("$(printf '| %-5s | %5s | %12s | %12s | %s |' "$b" "$n" "${p:-failed}" "${d:-failed}" "rc $rc")")
}
rows=()
for n in 1 8; do bench "$backend" "$n"; done
if [ "$backend" = cuda ]; then
  for n in 1 8; do bench cpu "$n"; done
fi

sanitizer="not run"
if [ "$backend" = cuda ] && command -v compute-sanitizer >/dev/null 2>&1 && [ $(( $(date +%s) - start )) -lt 300 ]; then
  say "compute-sanitizer memcheck on the contract suite"
  timeout 100 compute-sanitizer --tool memcheck --error-exitcode 9 --print-limit 20 \
    "$java" "${jvm[@]}" -jar "$here/test/junit-console.jar" execute --disable-banner --disable-ansi-colors --details=summary \
    --class-path "$cp:$here/test/bindings-tests.jar:$here/test/inference-tests.jar" \
    --select-class dev.mosaic.inference.backend.cuda.CudaBackendContractTest >"$out/memcheck.log" 2>&1
  sanitizer="rc $? (9: memcheck found errors; 124: timed out), $(grep -c '^========= Invalid' "$out/memcheck.log") invalid accesses"
  tail -n 30 "$out/memcheck.log"
fi

say "summary"
echo "tests (rc $tests_rc): ${summary:-no summary line, see tests.log} ('aborted' = skipped by an assumption, reason in tests.log)"
echo "memcheck: $sanitizer"
echo "| backend | batch | prefill tok/s | decode tok/s | exit |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "(synthetic bench110m-bf16, prompt 128, generate 64, median of 3 runs; logs in $out)"
exit $tests_rc
