// Layer normalisation of a contiguous (rows, cols) array: each row (the trailing normalized_shape, flattened)
// is normalised on its own, and the affine parameters are per column:
//   mean_r = (1/D) sum_j x[r, j],  var_r = (1/D) sum_j (x[r, j] - mean_r)^2,  r_r = 1 / sqrt(var_r + eps)
//   xhat[r, j] = (x[r, j] - mean_r) * r_r,    y[r, j] = w[j] * xhat[r, j] + b[j]          (D = cols)
#include "common.cuh"
#include "kernels/block_reduce.cuh"
#include "kernels/normalization.cuh"

// Threads per block of layer_norm_wgrad (one thread per column).
constexpr int LAYER_NORM_WGRAD_THREADS = 256;

// Forward. One block of NORM_THREADS threads per row (blockIdx.x = row, the view (1, rows, cols)):
//   save_mean[row] = mean_row,  save_invstd[row] = r_row,  y[row, j] = w[j] * (x[row, j] - mean_row) * r_row + b[j]
NG_KERNEL void layer_norm_fwd(const float* __restrict__ x, const float* __restrict__ weight,
                              const float* __restrict__ bias, float* __restrict__ y, float* __restrict__ save_mean,
                              float* __restrict__ save_invstd, int rows, int cols, float eps) {
    const ChannelView view{1, rows, cols};
    const int row = blockIdx.x;
    float mean, var;
    channel_mean_var(x, view, row, mean, var);
    const float invstd = rsqrtf(var + eps);
    if (threadIdx.x == 0) {
        save_mean[row] = mean;
        save_invstd[row] = invstd;
    }
    for (int j = threadIdx.x; j < cols; j += NORM_THREADS) {
        const int at = view.offset(row, j);
        y[at] = (x[at] - mean) * invstd * weight[j] + bias[j];
    }
}

// Gradient with respect to x. For row = blockIdx.x (one block of NORM_THREADS threads), with h_j = g[row, j] w[j]
// (the gradient reaching xhat):
//   dx[row, j] = r_row (h_j - (1/D) sum_k h_k - xhat_j (1/D) sum_k h_k xhat_k)
// the two sums from one two-value block reduction.
NG_KERNEL void layer_norm_dgrad(const float* __restrict__ x, const float* __restrict__ g,
                                const float* __restrict__ save_mean, const float* __restrict__ save_invstd,
                                const float* __restrict__ weight, float* __restrict__ dx, int rows, int cols) {
    const ChannelView view{1, rows, cols};
    const int row = blockIdx.x;
    const float mean = save_mean[row];
    const float invstd = save_invstd[row];
    float sums[2] = {0.0f, 0.0f};  // sum h, sum h xhat
    for (int j = threadIdx.x; j < cols; j += NORM_THREADS) {
        const int at = view.offset(row, j);
        const float h = g[at] * weight[j];
        sums[0] += h;
        sums[1] += h * (x[at] - mean) * invstd;
    }
    block_sum<NORM_THREADS, 2>(sums);
    const float mean_h = sums[0] / cols;
    const float mean_h_xhat = sums[1] / cols;
    for (int j = threadIdx.x; j < cols; j += NORM_THREADS) {
        const int at = view.offset(row, j);
        const float xhat = (x[at] - mean) * invstd;
        dx[at] = invstd * (g[at] * weight[j] - mean_h - xhat * mean_h_xhat);
    }
}

// Gradients of the affine parameters, column sums over the rows:
//   dweight[j] = sum_r g[r, j] xhat[r, j],   dbias[j] = sum_r g[r, j]
// One thread per column j = blockIdx.x * LAYER_NORM_WGRAD_THREADS + threadIdx.x (grid = ceil(cols / threads));
// at each step of its loop over rows, a warp reads 32 consecutive columns of one row (coalesced).
NG_KERNEL void layer_norm_wgrad(const float* __restrict__ x, const float* __restrict__ g,
                                const float* __restrict__ save_mean, const float* __restrict__ save_invstd,
                                float* __restrict__ dweight, float* __restrict__ dbias, int rows, int cols) {
    const int j = blockIdx.x * LAYER_NORM_WGRAD_THREADS + threadIdx.x;
    if (j >= cols) return;
    float sum_g = 0.0f, sum_g_xhat = 0.0f;
    for (int r = 0; r < rows; ++r) {
        const int at = r * cols + j;
        sum_g += g[at];
        sum_g_xhat += g[at] * (x[at] - save_mean[r]) * save_invstd[r];
    }
    dweight[j] = sum_g_xhat;
    dbias[j] = sum_g;
}
