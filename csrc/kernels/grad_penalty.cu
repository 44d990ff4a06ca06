// The WGAN-GP penalty term of each sample: the gradient of the critic with respect to the sample, g (a
// contiguous (batch, D) array: each row one sample's gradient, flattened), is pushed towards unit norm:
//   norm[n] = ||g[n, :]||_2 = sqrt(sum_j g[n, j]^2),     penalty[n] = (norm[n] - 1)^2
#include "common.cuh"
#include "kernels/block_reduce.cuh"

// Threads per block of grad_penalty_fwd (one block per sample).
constexpr int GRAD_PENALTY_THREADS = 256;

// Forward, grid = batch: block n = blockIdx.x sums the squares of row n (threads stride over the row by
// GRAD_PENALTY_THREADS: coalesced), then thread 0 writes norm[n] (saved for the backward) and penalty[n].
NG_KERNEL void grad_penalty_fwd(const float* __restrict__ g, float* __restrict__ penalty, float* __restrict__ norm,
                                int dim) {
    const int n = blockIdx.x;
    const float* row = g + n * dim;
    float squares = 0.0f;
    for (int j = threadIdx.x; j < dim; j += GRAD_PENALTY_THREADS) squares += row[j] * row[j];
    const float length = sqrtf(block_sum<GRAD_PENALTY_THREADS>(squares));
    if (threadIdx.x == 0) {
        norm[n] = length;
        penalty[n] = (length - 1.0f) * (length - 1.0f);
    }
}

// Backward: given gout[n] = dL/dpenalty[n], elementwise over the batch * dim elements i = n * dim + j:
//   dg[n, j] = gout[n] * 2 (norm[n] - 1) g[n, j] / norm[n]
// and dg[n, :] = 0 where norm[n] = 0: the norm has no derivative at the zero vector, and like PyTorch's norm
// backward the kernel takes the subgradient 0 there. Grid-stride loop, ELEMENTWISE_THREADS threads per block.
NG_KERNEL void grad_penalty_bwd(const float* __restrict__ g, const float* __restrict__ norm,
                                const float* __restrict__ gout, float* __restrict__ dg, int batch, int dim) {
    const int n_total = batch * dim;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n_total; i += gridDim.x * blockDim.x) {
        const int n = i / dim;
        const float length = norm[n];
        dg[i] = length > 0.0f ? gout[n] * 2.0f * (length - 1.0f) / length * g[i] : 0.0f;
    }
}
