// What batch, instance and layer normalisation share: the set of elements normalised together, and their
// mean and variance by a block reduction.
#pragma once

#include "common.cuh"
#include "kernels/block_reduce.cuh"

// Threads per block of the normalisation kernels; one block normalises one channel (or one row).
constexpr int NORM_THREADS = 256;

// The elements normalised together: channel c of a contiguous (outer, channels, inner) array, that is
// x[o, c, s] for o < outer, s < inner, M = outer * inner of them. Its i-th element (i in [0, M)) is
//     o = i / inner,  s = i % inner,  offset = (o * channels + c) * inner + s.
// Batch norm of NCHW:    (outer, channels, inner) = (N, C, H*W)
// Instance norm of NCHW: (1, N*C, H*W)    (each (n, c) plane is its own channel)
// Layer norm:            (1, rows, D)      (each row of D trailing elements is its own channel)
struct ChannelView {
    int outer, channels, inner;

    __device__ int count() const { return outer * inner; }
    __device__ int offset(int c, int i) const { return ((i / inner) * channels + c) * inner + i % inner; }
};

// Mean and biased variance (divided by M) of channel c, returned to every thread of the block.
// Two passes over the data: the mean first, then the mean of the centred squares; unlike E[x^2] - E[x]^2 this
// does not lose the variance to cancellation when |mean| >> std. Each thread strides over the channel by
// NORM_THREADS elements, so consecutive threads read consecutive addresses (coalesced within a plane).
__device__ __forceinline__ void channel_mean_var(const float* __restrict__ x, ChannelView view, int c, float& mean,
                                                 float& var) {
    const int m = view.count();
    float sum = 0.0f;
    for (int i = threadIdx.x; i < m; i += NORM_THREADS) sum += x[view.offset(c, i)];
    mean = block_sum<NORM_THREADS>(sum) / m;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < m; i += NORM_THREADS) {
        float centred = x[view.offset(c, i)] - mean;
        squares += centred * centred;
    }
    var = block_sum<NORM_THREADS>(squares) / m;
}
