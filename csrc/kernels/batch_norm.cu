// Batch normalisation over the channels of an (outer, channels, inner) array (NCHW: (N, C, H*W)); instance
// normalisation is the same computation on the view (1, N*C, H*W) with the affine parameters repeated per
// sample (see ChannelView in normalization.cuh).
//
// Notation for one channel c, over its M = outer * inner elements i:
//   mean = (1/M) sum_i x_i,   var = (1/M) sum_i (x_i - mean)^2   (biased),   r = 1 / sqrt(var + eps)
//   xhat_i = (x_i - mean) * r,   y_i = w * xhat_i + b                          (w = weight[c], b = bias[c])
//
// One block of NORM_THREADS threads per channel (blockIdx.x = c): the statistics are a block reduction and
// need no second launch. This fills the GPU when channels >= the number of SMs (GAN layers: 64..512
// channels); for a few huge channels a split reduction across blocks would be faster.
#include "common.cuh"
#include "kernels/block_reduce.cuh"
#include "kernels/normalization.cuh"

// PyTorch's running statistics of channel c, with the unbiased variance (the wrappers require M > 1):
//   running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mean
//   running_var[c]  = (1 - momentum) * running_var[c]  + momentum * var * M / (M - 1)
__device__ __forceinline__ void update_running_stats(float* __restrict__ running_mean, float* __restrict__ running_var,
                                                     int c, float mean, float var, int m, float momentum) {
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * var * m / (m - 1);
}

// Training forward. For channel c = blockIdx.x:
//   save_mean[c] = mean,  save_invstd[c] = r,  y[o, c, s] = w * (x[o, c, s] - mean) * r + b
// and, where both running pointers are given, the running statistics (update_running_stats).
NG_KERNEL void batch_norm_fwd_train(const float* __restrict__ x, const float* __restrict__ weight,
                                    const float* __restrict__ bias, float* __restrict__ y,
                                    float* __restrict__ save_mean, float* __restrict__ save_invstd,
                                    float* __restrict__ running_mean_or_null, float* __restrict__ running_var_or_null,
                                    int outer, int channels, int inner, float eps, float momentum) {
    const ChannelView view{outer, channels, inner};
    const int c = blockIdx.x;
    float mean, var;
    channel_mean_var(x, view, c, mean, var);
    const float invstd = rsqrtf(var + eps);
    if (threadIdx.x == 0) {
        save_mean[c] = mean;
        save_invstd[c] = invstd;
        if (running_mean_or_null != nullptr && running_var_or_null != nullptr)
            update_running_stats(running_mean_or_null, running_var_or_null, c, mean, var, view.count(), momentum);
    }
    const float scale = weight[c] * invstd;
    const float shift = bias[c] - mean * scale;
    for (int i = threadIdx.x; i < view.count(); i += NORM_THREADS) {
        const int at = view.offset(c, i);
        y[at] = x[at] * scale + shift;
    }
}

// Evaluation forward, with the running statistics; elementwise over all n = outer * channels * inner elements:
//   c = (i / inner) % channels,   y[i] = (x[i] - running_mean[c]) / sqrt(running_var[c] + eps) * w[c] + b[c]
// grid-stride loop, ELEMENTWISE_THREADS threads per block, any grid.
NG_KERNEL void batch_norm_fwd_eval(const float* __restrict__ x, const float* __restrict__ running_mean,
                                   const float* __restrict__ running_var, const float* __restrict__ weight,
                                   const float* __restrict__ bias, float* __restrict__ y, int n, int channels,
                                   int inner, float eps) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const int c = (i / inner) % channels;
        y[i] = (x[i] - running_mean[c]) * rsqrtf(running_var[c] + eps) * weight[c] + bias[c];
    }
}

// The backward's two per-channel sums, returned to every thread of the block: with xhat_i = (x_i - mean) invstd,
//   sums[0] = A = sum_i g_i,   sums[1] = B = sum_i g_i xhat_i    (one two-value block reduction)
__device__ __forceinline__ void channel_grad_sums(const float* __restrict__ x, const float* __restrict__ g,
                                                  ChannelView view, int c, float mean, float invstd,
                                                  float (&sums)[2]) {
    sums[0] = sums[1] = 0.0f;
    for (int i = threadIdx.x; i < view.count(); i += NORM_THREADS) {
        const int at = view.offset(c, i);
        sums[0] += g[at];
        sums[1] += g[at] * (x[at] - mean) * invstd;
    }
    block_sum<NORM_THREADS, 2>(sums);
}

// The four-pass interface of nanogan/backend/cuda/norm.py asks for the statistics and the backward's sums as
// passes of their own (each is a node of a differentiable graph); these two kernels are those passes.
// For channel c = blockIdx.x, one (3, channels) array of statistics:
//   stats[0][c] = mean = (1/M) sum_i x_i,   stats[1][c] = var = (1/M) sum_i (x_i - mean)^2,
//   stats[2][c] = r = 1 / sqrt(var + eps),
// and, where both running pointers are given (a training-mode batch norm), the running statistics
// (update_running_stats): the whole per-channel bookkeeping of a normalisation's forward in one launch.
NG_KERNEL void batch_norm_stats(const float* __restrict__ x, float* __restrict__ stats,
                                float* __restrict__ running_mean_or_null, float* __restrict__ running_var_or_null,
                                int outer, int channels, int inner, float eps, float momentum) {
    const ChannelView view{outer, channels, inner};
    const int c = blockIdx.x;
    float mean, var;
    channel_mean_var(x, view, c, mean, var);
    if (threadIdx.x == 0) {
        stats[c] = mean;
        stats[channels + c] = var;
        stats[2 * channels + c] = 1.0f / sqrtf(var + eps);
        if (running_mean_or_null != nullptr && running_var_or_null != nullptr)
            update_running_stats(running_mean_or_null, running_var_or_null, c, mean, var, view.count(), momentum);
    }
}

// For channel c = blockIdx.x:   sum_g[c] = A,   sum_g_xhat[c] = B   (channel_grad_sums with mean[c], invstd[c])
NG_KERNEL void batch_norm_grad_sums(const float* __restrict__ x, const float* __restrict__ g,
                                    const float* __restrict__ mean, const float* __restrict__ invstd,
                                    float* __restrict__ sum_g, float* __restrict__ sum_g_xhat, int outer,
                                    int channels, int inner) {
    const ChannelView view{outer, channels, inner};
    const int c = blockIdx.x;
    float sums[2];
    channel_grad_sums(x, g, view, c, mean[c], invstd[c], sums);
    if (threadIdx.x == 0) {
        sum_g[c] = sums[0];
        sum_g_xhat[c] = sums[1];
    }
}

// Training backward: given g = dL/dy, for channel c = blockIdx.x, with A = sum_i g_i, B = sum_i g_i xhat_i,
//   dbias[c]   = A
//   dweight[c] = B
//   dx_i       = (w r / M) (M g_i - A - xhat_i B)
// (mean and r depend on x: the -A and -xhat_i B terms are their contributions). save_mean / save_invstd are
// the forward's. A and B come from one two-value block reduction.
NG_KERNEL void batch_norm_bwd(const float* __restrict__ x, const float* __restrict__ g,
                              const float* __restrict__ save_mean, const float* __restrict__ save_invstd,
                              const float* __restrict__ weight, float* __restrict__ dx, float* __restrict__ dweight,
                              float* __restrict__ dbias, int outer, int channels, int inner) {
    const ChannelView view{outer, channels, inner};
    const int c = blockIdx.x;
    const int m = view.count();
    const float mean = save_mean[c];
    const float invstd = save_invstd[c];
    float sums[2];  // A, B
    channel_grad_sums(x, g, view, c, mean, invstd, sums);
    const float mean_g = sums[0] / m;
    const float mean_g_xhat = sums[1] / m;
    if (threadIdx.x == 0) {
        dbias[c] = sums[0];
        dweight[c] = sums[1];
    }
    const float scale = weight[c] * invstd;
    for (int i = threadIdx.x; i < m; i += NORM_THREADS) {
        const int at = view.offset(c, i);
        const float xhat = (x[at] - mean) * invstd;
        dx[at] = scale * (g[at] - mean_g - xhat * mean_g_xhat);
    }
}

// Double backward: the derivatives of batch_norm_bwd's outputs (dx, dweight, dbias) with respect to its
// inputs x, g and w, contracted with the gradients ggx, ggw, ggb flowing into those outputs (what a gradient
// penalty through a batch-normalised critic needs). With the per-channel sums over i
//   A = sum g,  B = sum g xhat,  S = sum ggx,  C = sum ggx xhat,  E = sum ggx g
// and the projection P v = v - mean(v) - xhat mean(v xhat) (the map g -> dx / (w r) of the backward),
//   Pg_i   = g_i   - A / M - xhat_i B / M
//   Pggx_i = ggx_i - S / M - xhat_i C / M
//   D      = sum_i ggx_i Pg_i = E - A S / M - B C / M
// the three gradients are
//   gg_i = w r Pggx_i + ggw xhat_i + ggb                                 (dL/dg: P is symmetric)
//   gw   = r D                                                            (dx is linear in w)
//   gx_i = ggw r Pg_i - (w r^2 / M) (xhat_i D + B Pggx_i + C Pg_i)        (dL/dx)
// derived from d xhat_k / d x_i = r P_ki with P_ki = delta_ki - 1/M - xhat_k xhat_i / M,
// d r / d x_i = -r^2 xhat_i / M and d B / d x_i = r Pg_i. ggw and ggb are per channel, like the weight.
// One block per channel (blockIdx.x = c); the five sums come from one five-value block reduction.
NG_KERNEL void batch_norm_double_bwd(const float* __restrict__ x, const float* __restrict__ g,
                                     const float* __restrict__ save_mean, const float* __restrict__ save_invstd,
                                     const float* __restrict__ weight, const float* __restrict__ ggx,
                                     const float* __restrict__ ggw, const float* __restrict__ ggb,
                                     float* __restrict__ gx, float* __restrict__ gg, float* __restrict__ gw,
                                     int outer, int channels, int inner) {
    const ChannelView view{outer, channels, inner};
    const int c = blockIdx.x;
    const int m = view.count();
    const float mean = save_mean[c];
    const float r = save_invstd[c];
    float sums[5] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f};  // A, B, S, C, E
    for (int i = threadIdx.x; i < m; i += NORM_THREADS) {
        const int at = view.offset(c, i);
        const float xhat = (x[at] - mean) * r;
        sums[0] += g[at];
        sums[1] += g[at] * xhat;
        sums[2] += ggx[at];
        sums[3] += ggx[at] * xhat;
        sums[4] += ggx[at] * g[at];
    }
    block_sum<NORM_THREADS, 5>(sums);
    const float sum_g = sums[0], sum_g_xhat = sums[1], sum_ggx = sums[2], sum_ggx_xhat = sums[3];
    const float d = sums[4] - (sum_g * sum_ggx + sum_g_xhat * sum_ggx_xhat) / m;
    const float w = weight[c];
    if (threadIdx.x == 0) gw[c] = r * d;
    for (int i = threadIdx.x; i < m; i += NORM_THREADS) {
        const int at = view.offset(c, i);
        const float xhat = (x[at] - mean) * r;
        const float pg = g[at] - (sum_g + xhat * sum_g_xhat) / m;
        const float pggx = ggx[at] - (sum_ggx + xhat * sum_ggx_xhat) / m;
        gg[at] = w * r * pggx + ggw[c] * xhat + ggb[c];
        gx[at] = ggw[c] * r * pg - w * r * r / m * (xhat * d + sum_g_xhat * pggx + sum_ggx_xhat * pg);
    }
}
