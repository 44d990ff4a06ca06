#!/usr/bin/env bash
# CI kernel step (called by .ci/run after `pip install -e .`):
#   1. every csrc/kernels/*.cu compiles with nvcc for sm_90 plus compute_90 PTX, warnings as errors (compile only;
#      skipped with a notice when nvcc is absent);
#   2. every kernel source also compiles as plain C++ against the host emulation, warnings as errors, and all of
#      them with NVRTC as CuPy compiles them (nvidia-cuda-nvrtc wheel, cached under ~/.cache/nanogan);
#   3. the extensions are (re)built in place: nanogan._emu always, nanogan._C when nvcc is present;
#   4. the emulated kernel tests (tests/test_kernels*.py) run once more with nanogan._emu built under
#      -fsanitize=address,undefined, in a scratch copy (out-of-range accesses become precise reports).
#      NANOGAN_CI_ASAN=0 skips this step;
#   5. and once more under -fsanitize=thread (races between the threads of a block: the GPU's racecheck).
#      NANOGAN_CI_TSAN=0 skips this step.
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

# sanitized_kernel_tests NAME RUNTIME COMPILER_FLAGS ENVIRONMENT: nanogan._emu built with a sanitizer in a scratch
# copy, and the emulated kernel tests run against it. Python is not built with the sanitizer: its runtime is
# preloaded (with libstdc++, whose exceptions it intercepts). Reports go to files, since pytest's capture would
# swallow them when a sanitizer aborts the process; any report fails the step.
sanitized_kernel_tests() {
    local name=$1 runtime=$2 flags=$3 environment=$4 scratch
    scratch=$(mktemp -d)
    trap "rm -rf '$scratch'" EXIT  # also when a build or a step stops the script
    cp -r nanogan tests csrc pyproject.toml "$scratch"/
    rm -f "$scratch"/nanogan/_emu.*.so "$scratch"/nanogan/_C.*.so
    # shellcheck disable=SC2086  # the flags are words
    g++ -std=c++20 -O1 -g -pthread -fPIC -shared -fvisibility=hidden -fno-strict-aliasing -Wno-unknown-pragmas \
        $flags -DNANOGAN_EMU -DNG_MODULE_NAME=_emu -Icsrc $(python -m pybind11 --includes) csrc/bindings.cpp \
        -o "$scratch/nanogan/_emu$(python3-config --extension-suffix)"
    step "$name build of nanogan._emu"
    local status=0
    (
        cd "$scratch"
        # shellcheck disable=SC2086
        export ${environment//@/$scratch/sanitizer}
        export LD_PRELOAD="$(g++ -print-file-name="$runtime") $(g++ -print-file-name=libstdc++.so)"
        python -m pytest -q -p no:cacheprovider -m "not gpu" tests/test_kernels*.py
    ) || status=$?
    if ls "$scratch"/sanitizer* >/dev/null 2>&1; then
        cat "$scratch"/sanitizer*
        status=1
    fi
    rm -rf "$scratch"
    step "emulated kernel tests under $name"
    return $status
}

# Out-of-range and undefined behaviour: a stray index becomes a precise report.
if [ "${NANOGAN_CI_ASAN:-1}" != "0" ]; then
    sanitized_kernel_tests ASan/UBSan libasan.so \
        "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
        "ASAN_OPTIONS=detect_leaks=0:log_path=@ UBSAN_OPTIONS=log_path=@"
fi
# Races between the threads of a block, the GPU's racecheck: a missing __syncthreads, shared memory read while
# another thread writes it, warp-synchronous code without a warp barrier. The emulation runs a block's threads as
# real threads synchronised only by its barriers, so ThreadSanitizer sees what the kernel orders and what it does
# not, whatever the timing. numba's, OpenBLAS's and PyTorch's own thread pools are kept to one thread: they
# synchronise inside uninstrumented libraries, which ThreadSanitizer would report as races of their own.
if [ "${NANOGAN_CI_TSAN:-1}" != "0" ]; then
    sanitized_kernel_tests TSan libtsan.so "-fsanitize=thread" \
        "TSAN_OPTIONS=log_path=@ NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"
fi
