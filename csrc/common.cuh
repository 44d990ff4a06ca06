// The one header every kernel includes first. Usable by nvcc, by NVRTC (CuPy's RawModule: no host headers
// here) and by g++ with the host emulation (-DNANOGAN_EMU), so that one kernel source serves all three.
#pragma once

#if defined(NANOGAN_EMU)
#include "emu/cuda_emu.h"
#elif !defined(__CUDACC__)
#error "kernel sources compile with nvcc, with NVRTC, or with g++ and -DNANOGAN_EMU (csrc/emu/)"
#endif

// Every kernel is extern "C": an unmangled name that both the pybind11 bindings and CuPy find.
#define NG_KERNEL extern "C" __global__

// Threads per block of the grid-stride elementwise kernels (see elementwise_grid in nanogan/_kernels.py).
constexpr int ELEMENTWISE_THREADS = 256;

__host__ __device__ __forceinline__ int ng_ceil_div(int a, int b) { return (a + b - 1) / b; }

__host__ __device__ __forceinline__ int ng_gcd(int a, int b) {
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}
