#!/usr/bin/env bash
# Builds llama.cpp's llama-server (only that target) from the llama-cpp-python source package, so the
# llamacpp backend and the peer benchmark run on the same llama.cpp that pip would install.
# Cached under ~/.cache/planwright/llama: a second run with the same version does nothing.
# Prints the binary's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${PLANWRIGHT_VENV:-.venv}"
PY="$VENV/bin/python"
[ -x "$PY" ] || PY=python3
CACHE="${PLANWRIGHT_LLAMA_CACHE:-$HOME/.cache/planwright/llama}"
JOBS="${PLANWRIGHT_LLAMA_JOBS:-2}"

version="${LLAMA_CPP_PYTHON_VERSION:-}"
if [ -z "$version" ]; then
    version="$("$PY" -m pip index versions llama-cpp-python 2>/dev/null \
        | sed -n 's/^llama-cpp-python (\([^)]*\)).*/\1/p' | head -1)"
fi
if [ -z "$version" ]; then
    echo "build-llama: pip cannot see llama-cpp-python; set LLAMA_CPP_PYTHON_VERSION" >&2
    exit 1
fi
binary="$CACHE/$version/bin/llama-server"
stamp="$CACHE/$version/.built"
if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "llama-cpp-python==$version" ]; then
    echo "build-llama: cached llama-server for llama-cpp-python $version" >&2
    echo "$binary"
    exit 0
fi

work="$CACHE/$version/src"
mkdir -p "$work"
if [ ! -d "$work/llama_cpp_python-$version" ]; then
    echo "build-llama: fetching the llama-cpp-python $version source package" >&2
    "$PY" -m pip download -q --no-binary llama-cpp-python --no-deps -d "$work" \
        "llama-cpp-python==$version"
    tar -xzf "$work/llama_cpp_python-$version.tar.gz" -C "$work"
fi
src="$work/llama_cpp_python-$version/vendor/llama.cpp"
build="$CACHE/$version/build"
echo "build-llama: building llama-server in $build (-j$JOBS; 10-30 min on 2 cores)" >&2
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF >&2
cmake --build "$build" --target llama-server -j "$JOBS" >&2
mkdir -p "$(dirname "$binary")"
cp "$build/bin/llama-server" "$binary"
echo "llama-cpp-python==$version" >"$stamp"
echo "build-llama: built $binary" >&2
echo "$binary"
