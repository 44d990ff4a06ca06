// Sums over a warp and over a block: the reduction step shared by the normalisation, gradient-penalty and
// axis-reduction kernels.
#pragma once

#include "common.cuh"

constexpr int WARP_LANES = 32;
constexpr unsigned FULL_WARP_MASK = 0xffffffffu;

// Butterfly sum over the 32 lanes of a warp: after step `offset` every lane holds the sum of its group of
// 2*offset lanes, so after offsets 16, 8, 4, 2, 1 every lane holds the warp's total (not only lane 0).
__device__ __forceinline__ float warp_sum(float value) {
#pragma unroll
    for (int offset = WARP_LANES / 2; offset > 0; offset /= 2) value += __shfl_xor_sync(FULL_WARP_MASK, value, offset);
    return value;
}

// Sums each of the K values over the THREADS threads of a one-dimensional block (blockDim.x == THREADS, a
// multiple of 32) and returns the totals to every thread, in place. Every thread of the block must call it
// (it has barriers).
//
//   1. each warp sums its lanes with shuffles (warp_sum);
//   2. lane 0 of warp w stores the warp total in partial[k][w];       __syncthreads
//   3. every thread adds up the THREADS/32 partials (broadcast reads of shared memory);
//   4. __syncthreads, so that no thread overwrites `partial` in a following call while others still read it.
//
// K > 1 sums several quantities at once for the price of one pair of barriers (batch norm's backward needs
// both sum(g) and sum(g * xhat) of the same elements).
template <int THREADS, int K>
__device__ void block_sum(float (&values)[K]) {
    static_assert(THREADS % WARP_LANES == 0, "block_sum: the block must be made of whole warps");
    constexpr int WARPS = THREADS / WARP_LANES;
    __shared__ float partial[K][WARPS];
    const int lane = threadIdx.x % WARP_LANES;
    const int warp = threadIdx.x / WARP_LANES;
#pragma unroll
    for (int k = 0; k < K; ++k) values[k] = warp_sum(values[k]);
    if (lane == 0) {
#pragma unroll
        for (int k = 0; k < K; ++k) partial[k][warp] = values[k];
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < K; ++k) {
        float total = 0.0f;
        for (int w = 0; w < WARPS; ++w) total += partial[k][w];
        values[k] = total;
    }
    __syncthreads();
}

// The one-value form of block_sum.
template <int THREADS>
__device__ float block_sum(float value) {
    float values[1] = {value};
    block_sum<THREADS, 1>(values);
    return values[0];
}
