// Nearest-neighbour resizing of contiguous NCHW planes, H x W -> OH x OW (upsampling, or any other ratio), by
// PyTorch's index rule, which nanogan's CPU op follows too: output row oh reads input row
//   src(oh) = min(floor(oh * scale_h), H - 1)          (float32 product; likewise columns with scale_w)
// with scale_h = float(H) / float(OH) when the output size was given, 1 / scale_factor when a scale factor was
// (the wrapper computes it). The float32 rounding is part of the rule: H = 6, OH = 74 gives
// src(37) = floor(37 * (6.0f / 74.0f)) = 2, where exact arithmetic gives 3.
// `planes` = N * C; element (plane, h, w) of an input at (plane * H + h) * W + w.
#include "common.cuh"

// How far below the first output row reading input row h its estimate h / scale may start: the estimate is
// off by rounding only (well under one row), so starting two rows earlier never misses a row.
constexpr int UPSAMPLE_SEARCH_MARGIN = 2;

__device__ __forceinline__ int nearest_source(int o, float scale, int in_size) {
    return min(static_cast<int>(floorf(static_cast<float>(o) * scale)), in_size - 1);
}

// The output rows reading input row h: src is non-decreasing in o, so they are one run, found by walking from
// just before its estimated start; calls add(o) for each. Empty when downsampling skips row h.
template <class Add>
__device__ __forceinline__ void for_outputs_reading(int h, float scale, int in_size, int out_size, Add add) {
    int o = max(static_cast<int>(static_cast<float>(h) / scale) - UPSAMPLE_SEARCH_MARGIN, 0);
    for (; o < out_size; ++o) {
        const int src = nearest_source(o, scale, in_size);
        if (src > h) break;
        if (src == h) add(o);
    }
}

// Forward, one thread per output element idx = (plane * OH + oh) * OW + ow (grid-stride loop over
// planes * OH * OW, ELEMENTWISE_THREADS threads per block):
//   y[idx] = x[plane, src(oh), src(ow)]
NG_KERNEL void upsample_nearest2d_fwd(const float* __restrict__ x, float* __restrict__ y, int planes, int H, int W,
                                      int OH, int OW, float scale_h, float scale_w) {
    const int n = planes * OH * OW;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int ow = idx % OW;
        const int oh = idx / OW % OH;
        const int plane = idx / (OH * OW);
        y[idx] = x[(plane * H + nearest_source(oh, scale_h, H)) * W + nearest_source(ow, scale_w, W)];
    }
}

// Gradient, one thread per input element idx = (plane * H + h) * W + w (grid-stride loop over planes * H * W):
//   dx[idx] = sum of g[plane, oh, ow] over the outputs with src(oh) = h and src(ow) = w
// (a rectangle of outputs: a gather, deterministic, no atomics).
NG_KERNEL void upsample_nearest2d_dgrad(const float* __restrict__ g, float* __restrict__ dx, int planes, int H, int W,
                                        int OH, int OW, float scale_h, float scale_w) {
    const int n = planes * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int w = idx % W;
        const int h = idx / W % H;
        const float* g_plane = g + idx / (H * W) * OH * OW;
        float sum = 0.0f;
        for_outputs_reading(h, scale_h, H, OH, [&](int oh) {
            for_outputs_reading(w, scale_w, W, OW, [&](int ow) { sum += g_plane[oh * OW + ow]; });
        });
        dx[idx] = sum;
    }
}
