#!/usr/bin/env bash
# Builds llama.cpp's own `llama-bench` and `llama-batched-bench` from the exact source node-llama-cpp bundles
# (node_modules/node-llama-cpp/llama/gitRelease.bundle), once, into bench/llama-cpp/build/
# (git-ignored). Prints llama-bench's path (llama-batched-bench is beside it). Only those two targets and what they link are
# built, with -j2 (the build machines are small and shared).
# Extra cmake arguments: LLAMA_CMAKE_ARGS (default: -DGGML_NATIVE=ON, what a user building from
# source on this machine gets).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/node_modules/node-llama-cpp/llama/gitRelease.bundle"
src="$here/build/llama.cpp"
out="$here/build/llama-bench-build"
bin="$out/bin/llama-bench"
if [[ -x "$bin" && -x "$out/bin/llama-batched-bench" ]]; then echo "$bin"; exit 0; fi
if [[ ! -f "$bundle" ]]; then
  (cd "$here" && npm install --no-audit --no-fund >&2)
fi
if [[ ! -d "$src/.git" ]]; then
  rm -rf "$src"
  git clone --quiet "$bundle" "$src" >&2
fi
# shellcheck disable=SC2086
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=ON \
  ${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=ON} >&2
cmake --build "$out" --target llama-bench llama-batched-bench -j2 >&2
echo "$bin"
