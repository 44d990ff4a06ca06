// 2D max and average pooling of contiguous NCHW planes, forward and gradient with respect to the input.
//
// Geometry (PyTorch's): an input plane is H x W, an output plane P x Q (computed by the wrapper, which is
// where floor / ceil mode is decided). Output (p, q) pools the window of taps
//   h = p * sh - ph + r * dh,  w = q * sw - pw + s * dw,     r < kh, s < kw     (avg pooling: dh = dw = 1)
// taking only the taps inside the plane. `planes` = N * C; element (plane, h, w) is at (plane * H + h) * W + w.
//
// The gradients gather rather than scatter: each thread owns one input element and adds up the output
// gradients of the windows that contain it, so no atomics are needed and the result is deterministic even
// when windows overlap (stride < kernel).
#include "common.cuh"

// The windows of one axis whose span [o * stride - pad, o * stride - pad + extent) contains index i, as the
// inclusive range [first, last] of o (empty when first > last); extent = (kernel - 1) * dilation + 1.
//   o * stride <= i + pad                     ->  last  = floor((i + pad) / stride)
//   o * stride >  i + pad - extent            ->  first = ceil((i + pad - extent + 1) / stride), at least 0
struct WindowRange {
    int first, last;
};
__device__ __forceinline__ WindowRange windows_containing(int i, int pad, int stride, int extent, int outputs) {
    const int low = i + pad - extent + 1;
    const int first = low <= 0 ? 0 : ng_ceil_div(low, stride);
    const int last = min((i + pad) / stride, outputs - 1);
    return WindowRange{first, last};
}

// Max pooling forward, one thread per output element idx = (plane * P + p) * Q + q (grid-stride loop over
// planes * P * Q, ELEMENTWISE_THREADS threads per block):
//   y[idx] = max over the window's in-plane taps of x,   argmax[idx] = h * W + w of the first maximal tap
// in row-major tap order (so an all -inf window points at its first tap). A NaN tap wins (and the last NaN is
// kept), so NaNs propagate as in PyTorch. The wrapper refuses geometries with a window of no in-plane tap
// (possible only with dilation, since it requires pad <= kernel / 2).
NG_KERNEL void max_pool2d_fwd(const float* __restrict__ x, float* __restrict__ y, int* __restrict__ argmax,
                              int planes, int H, int W, int P, int Q, int kh, int kw, int sh, int sw, int ph, int pw,
                              int dh, int dw) {
    const int n = planes * P * Q;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int q = idx % Q;
        const int p = idx / Q % P;
        const float* plane = x + idx / (P * Q) * H * W;
        float best = 0.0f;
        int best_at = -1;  // no tap seen yet
        for (int r = 0; r < kh; ++r) {
            const int h = p * sh - ph + r * dh;
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < kw; ++s) {
                const int w = q * sw - pw + s * dw;
                if (w < 0 || w >= W) continue;
                const float v = plane[h * W + w];
                if (best_at < 0 || v > best || v != v) {  // v != v: v is NaN
                    best = v;
                    best_at = h * W + w;
                }
            }
        }
        y[idx] = best;
        argmax[idx] = best_at;
    }
}

// Max pooling gradient, one thread per input element idx = (plane * H + h) * W + w (grid-stride loop over
// planes * H * W):
//   dx[idx] = sum of g[plane, p, q] over the windows (p, q) containing (h, w) whose argmax is h * W + w
// (an argmax always lies in its own window, so the window ranges only bound the search).
NG_KERNEL void max_pool2d_dgrad(const float* __restrict__ g, const int* __restrict__ argmax, float* __restrict__ dx,
                                int planes, int H, int W, int P, int Q, int kh, int kw, int sh, int sw, int ph,
                                int pw, int dh, int dw) {
    const int n = planes * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int w = idx % W;
        const int h = idx / W % H;
        const int out_plane = idx / (H * W) * P * Q;
        const WindowRange rows = windows_containing(h, ph, sh, (kh - 1) * dh + 1, P);
        const WindowRange cols = windows_containing(w, pw, sw, (kw - 1) * dw + 1, Q);
        float sum = 0.0f;
        for (int p = rows.first; p <= rows.last; ++p)
            for (int q = cols.first; q <= cols.last; ++q) {
                const int out = out_plane + p * Q + q;
                if (argmax[out] == h * W + w) sum += g[out];
            }
        dx[idx] = sum;
    }
}

// The divisor of average-pooling output (p, q), PyTorch's rule: the window clipped to the padded plane
// [-ph, H + ph) x [-pw, W + pw) counts when count_include_pad, else the window clipped to the plane itself.
// Also returns the in-plane window [h0, h1) x [w0, w1).
struct AvgWindow {
    int h0, h1, w0, w1;
    float divisor;
};
__device__ __forceinline__ AvgWindow avg_window(int p, int q, int H, int W, int kh, int kw, int sh, int sw, int ph,
                                                int pw, int count_include_pad) {
    const int h_start = p * sh - ph, w_start = q * sw - pw;
    const int h_end = min(h_start + kh, H + ph), w_end = min(w_start + kw, W + pw);
    const int padded_taps = (h_end - h_start) * (w_end - w_start);
    AvgWindow window{max(h_start, 0), min(h_end, H), max(w_start, 0), min(w_end, W), 0.0f};
    const int inside_taps = (window.h1 - window.h0) * (window.w1 - window.w0);
    window.divisor = static_cast<float>(count_include_pad ? padded_taps : inside_taps);
    return window;
}

// Average pooling forward, one thread per output element idx = (plane * P + p) * Q + q (grid-stride loop over
// planes * P * Q):
//   y[idx] = (sum of x over the in-plane window [h0, h1) x [w0, w1)) / divisor
// and y = 0 for a window with no tap inside the plane (possible in ceil mode), as in PyTorch.
NG_KERNEL void avg_pool2d_fwd(const float* __restrict__ x, float* __restrict__ y, int planes, int H, int W, int P,
                              int Q, int kh, int kw, int sh, int sw, int ph, int pw, int count_include_pad) {
    const int n = planes * P * Q;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int q = idx % Q;
        const int p = idx / Q % P;
        const float* plane = x + idx / (P * Q) * H * W;
        const AvgWindow window = avg_window(p, q, H, W, kh, kw, sh, sw, ph, pw, count_include_pad);
        if (window.h0 >= window.h1 || window.w0 >= window.w1) {
            y[idx] = 0.0f;
            continue;
        }
        float sum = 0.0f;
        for (int h = window.h0; h < window.h1; ++h)
            for (int w = window.w0; w < window.w1; ++w) sum += plane[h * W + w];
        y[idx] = sum / window.divisor;
    }
}

// Average pooling gradient, one thread per input element idx = (plane * H + h) * W + w (grid-stride loop over
// planes * H * W):
//   dx[idx] = sum over the windows (p, q) containing (h, w) of g[plane, p, q] / divisor(p, q)
// (for an in-plane (h, w), lying in the window's span is the same as lying in its clipped window).
NG_KERNEL void avg_pool2d_dgrad(const float* __restrict__ g, float* __restrict__ dx, int planes, int H, int W, int P,
                                int Q, int kh, int kw, int sh, int sw, int ph, int pw, int count_include_pad) {
    const int n = planes * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += gridDim.x * blockDim.x) {
        const int w = idx % W;
        const int h = idx / W % H;
        const float* g_plane = g + idx / (H * W) * P * Q;
        const WindowRange rows = windows_containing(h, ph, sh, kh, P);
        const WindowRange cols = windows_containing(w, pw, sw, kw, Q);
        float sum = 0.0f;
        for (int p = rows.first; p <= rows.last; ++p)
            for (int q = cols.first; q <= cols.last; ++q)
                sum += g_plane[p * Q + q] / avg_window(p, q, H, W, kh, kw, sh, sw, ph, pw, count_include_pad).divisor;
        dx[idx] = sum;
    }
}
