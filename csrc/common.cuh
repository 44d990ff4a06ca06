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

// Division by a divisor fixed for the whole launch, for numerators in [0, 2^31): a multiply-high, an add and a
// shift instead of the ~20 instructions of an integer division (the round-up method: with s = ceil(log2 d) and
// magic = floor(2^32 (2^s - d) / d) + 1, n / d = (umulhi(n, magic) + n) >> s). Used by index decoding in hot loops.
struct NgFastDiv {
    int divisor;
    unsigned magic;
    unsigned shift;
};
__host__ __device__ __forceinline__ NgFastDiv ng_fastdiv(int divisor) {  // divisor >= 1
    unsigned shift = 0;
    while ((1u << shift) < static_cast<unsigned>(divisor)) ++shift;
    unsigned long long magic = (1ull << 32) * ((1ull << shift) - static_cast<unsigned long long>(divisor)) / divisor + 1;
    return NgFastDiv{divisor, static_cast<unsigned>(magic), shift};
}
__device__ __forceinline__ int ng_div(int n, const NgFastDiv& d) {  // n / d.divisor for 0 <= n < 2^31
    return static_cast<int>((__umulhi(static_cast<unsigned>(n), d.magic) + static_cast<unsigned>(n)) >> d.shift);
}

__host__ __device__ __forceinline__ int ng_gcd(int a, int b) {
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}
