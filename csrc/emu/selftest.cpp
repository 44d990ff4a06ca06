// Self-test of the host emulation (run by tests/test_kernels_emu.py): the model must turn misuse into errors
// and implement the warp intrinsics as the hardware does. Exit status 0 when every check holds.
#include "common.cuh"

#include <cstdio>
#include <vector>

static int failures = 0;

static void expect(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) ++failures;
}

// Returns the launch error message, or "" when the launch succeeded.
template <class... Params, class... Args>
static std::string launch_error(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, Args... args) {
    try {
        ng_emu::launch(name, kernel, grid, block, args...);
    } catch (const ng_emu::LaunchError& e) {
        return e.what();
    }
    return "";
}

static bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Threads of one block take different __syncthreads: undefined on the GPU, an error here.
NG_KERNEL void divergent_barrier(float* out) {
    if (threadIdx.x < 5) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

// Some threads return before a barrier the others wait at.
NG_KERNEL void early_return_before_barrier(float* out) {
    if (threadIdx.x < 5) return;
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

// A shuffle that the lanes of the second warp never reach.
NG_KERNEL void shuffle_in_divergent_code(float* out) {
    float v = threadIdx.x;
    if (threadIdx.x < 40) v = __shfl_down_sync(0xffffffffu, v, 1);
    out[threadIdx.x] = v;
}

NG_KERNEL void partial_mask_shuffle(float* out) { out[threadIdx.x] = __shfl_xor_sync(0xffffu, 1.0f, 1); }

// Shared memory is shared by the threads of a block, and each block sees its own use of it.
NG_KERNEL void reverse_in_shared(const float* in, float* out) {
    __shared__ float tile[64];
    int base = blockIdx.x * blockDim.x;
    tile[threadIdx.x] = in[base + threadIdx.x];
    __syncthreads();
    out[base + threadIdx.x] = tile[blockDim.x - 1 - threadIdx.x];
}

// 40 threads: one full warp and a partial warp of 8 lanes.
NG_KERNEL void warp_intrinsics(float* out) {
    float v = threadIdx.x;
    out[threadIdx.x] = __shfl_down_sync(0xffffffffu, v, 3, 8);
    out[40 + threadIdx.x] = __shfl_xor_sync(0xffffffffu, v, 5);
    out[80 + threadIdx.x] = __shfl_up_sync(0xffffffffu, v, 2);
    out[120 + threadIdx.x] = __shfl_sync(0xffffffffu, v, 3);
    out[160 + threadIdx.x] = (float)__ballot_sync(0xffffffffu, threadIdx.x % 3 == 0);
    out[200 + threadIdx.x] = __all_sync(0xffffffffu, threadIdx.x < 36) + 2.0f * __any_sync(0xffffffffu, threadIdx.x == 33);
}

NG_KERNEL void atomic_sum(float* total) { atomicAdd(total, 1.0f); }

int main() {
    std::vector<float> out(256, 0.0f);
    std::string e = launch_error("divergent_barrier", divergent_barrier, dim3(1), dim3(64), out.data());
    expect(contains(e, "divergent __syncthreads") && contains(e, "selftest.cpp"), "divergent __syncthreads is an error");
    e = launch_error("early_return_before_barrier", early_return_before_barrier, dim3(1), dim3(64), out.data());
    expect(contains(e, "the end of the kernel"), "returning before a barrier others wait at is an error");
    e = launch_error("shuffle_in_divergent_code", shuffle_in_divergent_code, dim3(1), dim3(64), out.data());
    expect(contains(e, "deadlock"), "a shuffle some lanes never reach is reported as a deadlock, not a hang");
    e = launch_error("partial_mask_shuffle", partial_mask_shuffle, dim3(1), dim3(32), out.data());
    expect(contains(e, "whole-warp masks only"), "a partial-warp mask is outside the subset");
    e = launch_error("warp_intrinsics", warp_intrinsics, dim3(1), dim3(2000), out.data());
    expect(contains(e, "invalid launch shape") && contains(e, "block(2000,1,1)"), "bad launch shape is named");

    std::vector<float> in(3 * 64), rev(3 * 64);
    for (int i = 0; i < 3 * 64; ++i) in[i] = float(i);
    e = launch_error("reverse_in_shared", reverse_in_shared, dim3(3), dim3(64), (const float*)in.data(), rev.data());
    bool reversed = e.empty();
    for (int b = 0; b < 3; ++b)
        for (int t = 0; t < 64; ++t) reversed = reversed && rev[b * 64 + t] == float(b * 64 + 63 - t);
    expect(reversed, "__shared__ is per block and shared by its threads");

    e = launch_error("warp_intrinsics", warp_intrinsics, dim3(1), dim3(40), out.data());
    bool shuffles_ok = e.empty();
    for (int t = 0; t < 40; ++t) {
        int lane = t % 32, warp_base = t - lane, lanes = t < 32 ? 32 : 8;
        int down = (lane % 8) + 3 < 8 && lane + 3 < lanes ? t + 3 : t;
        int x = lane ^ 5;
        int xr = x < lanes ? warp_base + x : t;
        int up = lane >= 2 ? t - 2 : t;
        unsigned ballot = 0;
        for (int l = 0; l < lanes; ++l)
            if ((warp_base + l) % 3 == 0) ballot |= 1u << l;
        float all_any = t < 32 ? 1.0f + 0.0f : 0.0f + 2.0f;
        shuffles_ok = shuffles_ok && out[t] == down && out[40 + t] == xr && out[80 + t] == up &&
                      out[120 + t] == warp_base + 3 && out[160 + t] == (float)ballot && out[200 + t] == all_any;
    }
    expect(shuffles_ok, "shuffles (down with width, xor, up, idx), ballot, all, any match the CUDA semantics");

    float total = 0.0f;
    e = launch_error("atomic_sum", atomic_sum, dim3(7), dim3(96), &total);
    expect(e.empty() && total == 7.0f * 96.0f, "atomicAdd from concurrent threads and several blocks");

    // ng_fastdiv / ng_div (common.cuh) against '/', on divisors and numerators near powers of two and the ends
    bool division_ok = true;
    std::vector<int> divisors{1, 2, 3, 5, 7, 9, 16, 17, 25, 49, 255, 256, 257, 1000, 4095, 65536, 65537, 1 << 30,
                              (1 << 30) + 1, 2147483647};
    std::vector<int> numerators{0, 1, 2, 3, 15, 16, 17, 255, 256, 65535, 65536, 123456789, 2147483646, 2147483647};
    unsigned lcg = 12345u;
    for (int i = 0; i < 20000; ++i) {
        lcg = lcg * 1664525u + 1013904223u;
        numerators.push_back(static_cast<int>(lcg >> 1));
        if (i % 100 == 0) divisors.push_back(static_cast<int>((lcg >> 7) % 100000) + 1);
    }
    for (int d : divisors) {
        NgFastDiv f = ng_fastdiv(d);
        for (int n : numerators) division_ok = division_ok && ng_div(n, f) == n / d;
    }
    expect(division_ok, "ng_div(n, ng_fastdiv(d)) == n / d for 0 <= n < 2^31");

    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
