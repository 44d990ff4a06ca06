#!/usr/bin/env bash
# CI kernel step (called by .ci/run after `pip install -e .`):
#   1. every csrc/kernels/*.cu compiles with nvcc for sm_90 plus compute_90 PTX, warnings as errors (compile only;
#      skipped with a notice when nvcc is absent);
#   2. every kernel source also compiles as plain C++ against the host emulation, warnings as errors, and all of
#      them with NVRTC as CuPy compiles them (nvidia-cuda-nvrtc wheel, cached under ~/.cache/nanogan);
#   3. the extensions are (re)built in place: nanogan._emu always, nanogan._C when nvcc is present;
#   4. the emulated kernel tests (tests/test_kernels*.py) run once more with nanogan._emu built under
#      -fsanitize=address,undefined, in a scratch copy (out-of-range accesses become precise reports).
#      NANOGAN_CI_ASAN=0 skips this step.
# Each step prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
step_start=$(date +%s)
step() {
    local now
    now=$(date +%s)
    echo "kernels.sh: $1 took $((now - step_start)) s"
    step_start=$now
}

kernels=(csrc/kernels/*.cu)
# setup.py and the ASan build need pybind11 in this environment, not only in pip's isolated build env
python -c "import pybind11" 2>/dev/null || python -m pip install -q "pybind11>=2.11"

if command -v nvcc >/dev/null; then
    printf '%s\n' "${kernels[@]}" | xargs -P "$JOBS" -I{} \
        nvcc -c -std=c++17 -Icsrc -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90 \
        -Xcompiler -Wall,-Wextra,-Werror --Werror all-warnings -o /dev/null {}
    step "nvcc -Werror compile of ${#kernels[@]} kernel sources (sm_90 + compute_90)"
else
    echo "kernels.sh: nvcc not found on PATH, skipping the nvcc compile check"
fi

printf '%s\n' "${kernels[@]}" | xargs -P "$JOBS" -I{} \
    g++ -fsyntax-only -x c++ -std=c++20 -DNANOGAN_EMU -Icsrc -Wall -Wextra -Werror -Wno-unknown-pragmas {}
step "g++ -Werror emulation compile of ${#kernels[@]} kernel sources"

# NVRTC (what CuPy compiles with) must accept every kernel too: it has no host headers. Its wheel is cached.
cuda_version=$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9]*\.[0-9]*\).*/\1/p')
nvrtc_dir="${XDG_CACHE_HOME:-$HOME/.cache}/nanogan/nvrtc-${cuda_version:-13}"
if [ ! -d "$nvrtc_dir/nvidia" ]; then
    python -m pip install -q --target "$nvrtc_dir" "nvidia-cuda-nvrtc==${cuda_version:-13}.*" ||
        echo "kernels.sh: could not install nvidia-cuda-nvrtc; the NVRTC compile check will skip"
fi
NANOGAN_NVRTC=$(ls "$nvrtc_dir"/nvidia/cu*/lib/libnvrtc.so.* 2>/dev/null | head -n 1) \
    python -m pytest -q -p no:cacheprovider tests/test_kernels_emu.py -k test_kernels_compile_with_nvrtc -rs
step "NVRTC compile of all kernel sources"

python setup.py -q build_ext --inplace
step "build_ext --inplace (nanogan._emu$(command -v nvcc >/dev/null && echo ' and nanogan._C'))"

if [ "${NANOGAN_CI_ASAN:-1}" != "0" ]; then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp -r nanogan tests csrc pyproject.toml "$scratch"/
    rm -f "$scratch"/nanogan/_emu.*.so "$scratch"/nanogan/_C.*.so
    g++ -std=c++20 -O1 -g -pthread -fPIC -shared -fvisibility=hidden -fno-strict-aliasing -Wno-unknown-pragmas \
        -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
        -DNANOGAN_EMU -DNG_MODULE_NAME=_emu -Icsrc $(python -m pybind11 --includes) csrc/bindings.cpp \
        -o "$scratch/nanogan/_emu$(python3-config --extension-suffix)"
    step "ASan/UBSan build of nanogan._emu"
    # Python is not built with ASan: preload its runtime (and libstdc++, whose exceptions it intercepts).
    # Reports go to files, since pytest's capture would swallow them when ASan aborts the process.
    (
        cd "$scratch"
        export ASAN_OPTIONS=detect_leaks=0:log_path="$scratch/sanitizer" UBSAN_OPTIONS=log_path="$scratch/sanitizer"
        export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libstdc++.so)"
        status=0
        python -m pytest -q -p no:cacheprovider -m "not gpu" tests/test_kernels*.py || status=$?
        if ls "$scratch"/sanitizer* >/dev/null 2>&1; then
            cat "$scratch"/sanitizer*
            status=1
        fi
        exit $status
    )
    step "emulated kernel tests under ASan/UBSan"
fi
