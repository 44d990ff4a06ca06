// Nearest-neighbour resizing of contiguous NCHW planes, H x W -> OH x OW (upsampling, or any other ratio).
// Output row oh reads input row
//   src(oh) = floor(oh * H / OH)                    (and likewise columns: floor(ow * W / OW))
// computed exactly in integers. This is PyTorch's "nearest" rule floor(oh * scale) with scale = H / OH
// (interpolate with `size`, or an integer scale_factor), without the float rounding of scale.
// `planes` = N * C; element (plane, h, w) of an input at (plane * H + h) * W + w.
#include "common.cuh"

// Forward, one thread per output element idx = (plane * OH + oh) * OW + ow (grid-stride loop over
// planes * OH * OW, ELEMENTWISE_THREADS threads per block):
//   y[idx] = x[plane, src(oh), src(ow)]
NG_KERNEL void upsample_nearest2d_fwd(const float* __restrict__ x, float* __restrict__ y, int planes, int H, int W,
                                      int OH, int OW) {
    const int n = planes * OH * OW;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int ow = idx % OW;
        const int oh = idx / OW % OH;
        const int plane = idx / (OH * OW);
        y[idx] = x[(plane * H + oh * H / OH) * W + ow * W / OW];
    }
}

// Gradient, one thread per input element idx = (plane * H + h) * W + w (grid-stride loop over planes * H * W):
//   dx[idx] = sum of g[plane, oh, ow] over src(oh) = h, src(ow) = w.
// src(oh) = h  <=>  h * OH <= oh * H < (h + 1) * OH  <=>  ceil(h * OH / H) <= oh < ceil((h + 1) * OH / H),
// so each input element gathers a rectangle of outputs (empty when downsampling skips the row).
NG_KERNEL void upsample_nearest2d_dgrad(const float* __restrict__ g, float* __restrict__ dx, int planes, int H, int W,
                                        int OH, int OW) {
    const int n = planes * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int w = idx % W;
        const int h = idx / W % H;
        const float* g_plane = g + idx / (H * W) * OH * OW;
        const int oh_end = ng_ceil_div((h + 1) * OH, H), ow_end = ng_ceil_div((w + 1) * OW, W);
        float sum = 0.0f;
        for (int oh = ng_ceil_div(h * OH, H); oh < oh_end; ++oh)
            for (int ow = ng_ceil_div(w * OW, W); ow < ow_end; ++ow) sum += g_plane[oh * OW + ow];
        dx[idx] = sum;
    }
}
