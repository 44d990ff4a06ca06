// 2-D convolution, NCHW, any stride / padding / dilation, as three implicit-GEMM kernels on igemm.cuh.
// They also serve conv_transpose2d: its forward is conv2d_dgrad_igemm, its input gradient conv2d_fwd_igemm,
// its weight gradient conv2d_wgrad_igemm with the roles of x and gy swapped (nanogan/_kernels.py).
//
// Names used throughout: x[N, C, H, W] input, w[K, C, R, S] weight, y / gy[N, K, P, Q] output / its gradient;
// stride (sh, sw), padding (ph, pw), dilation (dh, dw). Input row of output row p and tap r: p*sh - ph + r*dh.
// Every launch: block = IGEMM_THREADS threads (1-D); blockIdx.y = row tile (BM rows of O), blockIdx.x =
// column tile (BN columns of O); blockIdx.z = reduction split (split-K; with splits > 1 the output is
// atomically added to, and the wrapper zeroes it first).
// The forward and input-gradient kernels take `bias_or_null`: a layer's bias, one value per channel of their
// output (bias[k] for y; bias[c] for dx, which is a transposed convolution's forward), added as each output
// element is stored (with split-K, by the blocks of the first split only); or null.
#include "common.cuh"
#include "kernels/igemm.cuh"

// ---- forward ------------------------------------------------------------------------------------------
// O = y viewed as [K, N*P*Q]:   y[n, k, p, q] = sum_{c, r, s} w[k, c, r, s] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]
//   m = k;  j = (n*P + p)*Q + q;  kk = (c*R + r)*S + s;  A[k, kk] = w (row-major, stride C*R*S);
//   B[kk, j] = x[...] or 0 where the input row/column falls in the padding.
struct ConvForwardOperands {
    int M, Ncols;
    const float* a;
    int a_row_stride;
    float* out;
    int out_row_stride;
    const float* bias;
    const float* x;
    int C, H, W, K, R, S, P, Q, sh, sw, ph, pw, dh, dw;
    NgFastDiv by_RS, by_S, by_PQ, by_Q;

    __device__ int a_k_offset(int kk) const { return kk; }

    struct Column {
        int x_offset;  // start of image n in x
        int h0, w0;    // input row/column of tap (0, 0)
    };
    __device__ Column column(int j) const {
        int n = ng_div(j, by_PQ), pq = j - n * (P * Q);
        int p = ng_div(pq, by_Q), q = pq - p * Q;
        return Column{n * C * H * W, p * sh - ph, q * sw - pw};
    }
    __device__ float b(int kk, const Column& col) const {
        int c = ng_div(kk, by_RS), rs = kk - c * (R * S);
        int r = ng_div(rs, by_S), s = rs - r * S;
        int ih = col.h0 + r * dh, iw = col.w0 + s * dw;
        return (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[col.x_offset + (c * H + ih) * W + iw] : 0.0f;
    }
    __device__ int out_column_offset(int j) const {
        int n = ng_div(j, by_PQ);
        return n * K * P * Q + (j - n * (P * Q));
    }
};

// One BM-row tile of the forward GEMM, for the two kernels below (one per tile height).
template <int BM>
__device__ __forceinline__ void conv2d_fwd_tile(
    const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y,
    const float* __restrict__ bias_or_null, int N, int C, int H, int W, int K, int R, int S, int P, int Q,
    int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    ConvForwardOperands op{K, N * P * Q, w, C * R * S, y, P * Q, bias_or_null, x, C, H, W, K, R, S, P, Q,
                           stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
                           ng_fastdiv(R * S), ng_fastdiv(S), ng_fastdiv(P * Q), ng_fastdiv(Q)};
    igemm_tile<BM>(op, blockIdx.y * BM, blockIdx.x * IGEMM_BN, igemm_split_range(C * R * S, blockIdx.z, gridDim.z),
                   gridDim.z > 1);
}

// grid = (ceil(N*P*Q / IGEMM_BN), ceil(K / IGEMM_BM), splits), block = IGEMM_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_THREADS, IGEMM_MIN_BLOCKS_PER_SM)
    conv2d_fwd_igemm(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y,
                     const float* __restrict__ bias_or_null,
                     int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                     int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_fwd_tile<IGEMM_BM>(x, w, y, bias_or_null, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                              pad_h, pad_w, dil_h, dil_w);
}

// The same GEMM in IGEMM_BM_NARROW-row tiles (the wrapper's choice where K <= IGEMM_BM_NARROW):
// grid = (ceil(N*P*Q / IGEMM_BN), ceil(K / IGEMM_BM_NARROW), splits), block = IGEMM_NARROW_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_NARROW_THREADS, IGEMM_NARROW_MIN_BLOCKS_PER_SM)
    conv2d_fwd_igemm_narrow(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y,
                            const float* __restrict__ bias_or_null,
                            int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                            int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_fwd_tile<IGEMM_BM_NARROW>(x, w, y, bias_or_null, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                                     pad_h, pad_w, dil_h, dil_w);
}

// ---- forward, few taps ----------------------------------------------------------------------------------
// With a short reduction, C*R*S <= FWD_DIRECT_MAX_TAPS (a first layer: 1 channel 5x5 = 25 taps, 3 channels 4x4
// = 48), the GEMM's BK steps are few and mostly padding, so each thread computes one output position for a tile
// of FWD_DIRECT_K_TILE output channels directly:
//   y[n, k, p, q] = sum_{j < C*R*S} w[k, j] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw],   j = (c*R + r)*S + s
// (0 where the input row/column falls in the padding). grid = (ceil(N*P*Q / FWD_DIRECT_THREADS),
// ceil(K / FWD_DIRECT_K_TILE)): thread t of block (bx, by) takes position i = bx*FWD_DIRECT_THREADS + t, i.e.
// (n, p, q) with q fastest, and channels k0 + kk, k0 = by*FWD_DIRECT_K_TILE. The block first stages w[k0:k0+KT, :]
// in shared memory; every thread then reads the same w[k, j] at the same time (a broadcast), each x value once.
constexpr int FWD_DIRECT_MAX_TAPS = 64;
constexpr int FWD_DIRECT_K_TILE = 16;
constexpr int FWD_DIRECT_THREADS = 128;

NG_KERNEL void __launch_bounds__(FWD_DIRECT_THREADS)
    conv2d_fwd_direct(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y,
                      const float* __restrict__ bias_or_null, int N, int C, int H, int W, int K, int R, int S,
                      int P, int Q, int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    __shared__ float tile[FWD_DIRECT_K_TILE][FWD_DIRECT_MAX_TAPS];
    const int taps = C * R * S, k0 = blockIdx.y * FWD_DIRECT_K_TILE;
    for (int e = threadIdx.x; e < FWD_DIRECT_K_TILE * taps; e += blockDim.x) {
        const int kk = e / taps, j = e - kk * taps;
        tile[kk][j] = k0 + kk < K ? w[(k0 + kk) * taps + j] : 0.0f;
    }
    __syncthreads();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= N * P * Q) return;  // after the block's only barrier
    const int n = i / (P * Q), p = i / Q % P, q = i % Q;
    float acc[FWD_DIRECT_K_TILE] = {};
    for (int j = 0; j < taps; ++j) {
        const int c = j / (R * S), r = j / S % R, s = j % S;
        const int ih = p * stride_h - pad_h + r * dil_h, iw = q * stride_w - pad_w + s * dil_w;
        const float value = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[((n * C + c) * H + ih) * W + iw] : 0.0f;
#pragma unroll
        for (int kk = 0; kk < FWD_DIRECT_K_TILE; ++kk) acc[kk] += tile[kk][j] * value;
    }
#pragma unroll
    for (int kk = 0; kk < FWD_DIRECT_K_TILE; ++kk)
        if (k0 + kk < K)
            y[((n * K + k0 + kk) * P + p) * Q + q] = acc[kk] + (bias_or_null != nullptr ? bias_or_null[k0 + kk] : 0.0f);
}

// ---- input gradient -----------------------------------------------------------------------------------
// dx[n, c, h, w] = sum over k and the taps (r, s) with h + ph - r*dh = p*sh, w + pw - s*dw = q*sw,
//                  0 <= p < P, 0 <= q < Q   of   w[k, c, r, s] * gy[n, k, p, q].
// Stride phases: rows h = a + sh*i (a = phase, 0 <= a < sh) only receive taps r with r*dh = a + ph (mod sh);
// they are r = r0 + t*(sh/g), g = gcd(sh, dh), and for them p = i + (a + ph - r0*dh)/sh - t*(dh/g): no division
// and no zero taps (likewise for columns). Each phase is its own GEMM (blockIdx.z = split*sh*sw + phase):
//   m = c;  j = (n*Hp + i)*Wp + jj  (h = a + sh*i, w = b + sw*jj);  kk = (k*Rt + t)*St + u  (r = r0 + t*step_r,
//   s = s0 + u*step_s);  A[c, kk] = w[k, c, r, s] (offset of (k, r, s) + c*R*S);  B[kk, j] = gy[n, k, p, q] or 0
//   where p, q fall outside the output. Rows of a phase with no taps get 0.
struct PhaseTaps {  // the taps of one stride phase along one axis
    int first;      // smallest tap index r0
    int step;       // between consecutive taps: stride / gcd(stride, dilation)
    int count;      // taps in [0, kernel size)
    int offset;     // p of tap `first` for i = 0: (phase + pad - first*dilation) / stride (exact)
    int p_step;     // decrease of p per tap: step * dilation / stride
};
__device__ __forceinline__ PhaseTaps phase_taps(int phase, int stride, int pad, int dilation, int kernel_size) {
    const int step = stride / ng_gcd(stride, dilation);
    PhaseTaps t{0, step, 0, 0, step * dilation / stride};
    for (int r = 0; r < min(kernel_size, step); ++r) {  // the taps repeat with period `step`
        if ((phase + pad - r * dilation) % stride == 0) {
            t.first = r;
            t.count = ng_ceil_div(kernel_size - r, step);
            t.offset = (phase + pad - r * dilation) / stride;
            break;
        }
    }
    return t;
}

struct ConvDgradOperands {
    int M, Ncols;
    const float* a;
    int a_row_stride;
    float* out;
    int out_row_stride;
    const float* bias;
    const float* gy;
    int C, H, W, K, R, S, P, Q;
    int phase_h, phase_w, sh, sw;
    int rows, cols;  // Hp, Wp: rows / columns of dx in this phase
    PhaseTaps th, tw;
    NgFastDiv by_taps, by_taps_w, by_rows_cols, by_cols;  // th.count*tw.count, tw.count, rows*cols, cols (>= 1)

    __device__ int a_k_offset(int kk) const {
        int k = ng_div(kk, by_taps), tu = kk - k * (th.count * tw.count);
        int t = ng_div(tu, by_taps_w), u = tu - t * tw.count;
        return k * C * R * S + (th.first + t * th.step) * S + tw.first + u * tw.step;
    }

    struct Column {
        int gy_offset;  // start of image n in gy
        int p0, q0;     // output row/column of tap t = u = 0
    };
    __device__ Column column(int j) const {
        int n = ng_div(j, by_rows_cols), ij = j - n * (rows * cols);
        int i = ng_div(ij, by_cols), jj = ij - i * cols;
        return Column{n * K * P * Q, i + th.offset, jj + tw.offset};
    }
    __device__ float b(int kk, const Column& col) const {
        int k = ng_div(kk, by_taps), tu = kk - k * (th.count * tw.count);
        int t = ng_div(tu, by_taps_w), u = tu - t * tw.count;
        int p = col.p0 - t * th.p_step, q = col.q0 - u * tw.p_step;
        return (p >= 0 && p < P && q >= 0 && q < Q) ? gy[col.gy_offset + (k * P + p) * Q + q] : 0.0f;
    }
    __device__ int out_column_offset(int j) const {
        int n = ng_div(j, by_rows_cols), ij = j - n * (rows * cols);
        int i = ng_div(ij, by_cols), jj = ij - i * cols;
        return n * C * H * W + (phase_h + sh * i) * W + phase_w + sw * jj;
    }
};

// One BM-row tile of one stride phase's input-gradient GEMM, for the two kernels below (one per tile height).
template <int BM>
__device__ __forceinline__ void conv2d_dgrad_tile(
    const float* __restrict__ gy, const float* __restrict__ w, float* __restrict__ dx,
    const float* __restrict__ bias_or_null, int N, int C, int H, int W, int K, int R, int S, int P, int Q,
    int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    const int phases = stride_h * stride_w;
    const int phase = blockIdx.z % phases, split = blockIdx.z / phases, splits = gridDim.z / phases;
    const int a = phase / stride_w, b = phase % stride_w;
    const int rows = a < H ? ng_ceil_div(H - a, stride_h) : 0;
    const int cols = b < W ? ng_ceil_div(W - b, stride_w) : 0;
    const PhaseTaps th = phase_taps(a, stride_h, pad_h, dil_h, R), tw = phase_taps(b, stride_w, pad_w, dil_w, S);
    ConvDgradOperands op{C, N * rows * cols, w, R * S, dx, H * W, bias_or_null, gy, C, H, W, K, R, S, P, Q,
                         a, b, stride_h, stride_w, rows, cols, th, tw,
                         ng_fastdiv(max(1, th.count * tw.count)), ng_fastdiv(max(1, tw.count)),
                         ng_fastdiv(max(1, rows * cols)), ng_fastdiv(max(1, cols))};
    igemm_tile<BM>(op, blockIdx.y * BM, blockIdx.x * IGEMM_BN,
                   igemm_split_range(K * th.count * tw.count, split, splits), splits > 1);
}

// grid = (ceil(N*ceil(H/sh)*ceil(W/sw) / IGEMM_BN), ceil(C / IGEMM_BM), sh*sw*splits), block = IGEMM_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_THREADS, IGEMM_MIN_BLOCKS_PER_SM)
    conv2d_dgrad_igemm(const float* __restrict__ gy, const float* __restrict__ w, float* __restrict__ dx,
                       const float* __restrict__ bias_or_null,
                       int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                       int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_dgrad_tile<IGEMM_BM>(gy, w, dx, bias_or_null, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                                pad_h, pad_w, dil_h, dil_w);
}

// The same GEMMs in IGEMM_BM_NARROW-row tiles (the wrapper's choice where C <= IGEMM_BM_NARROW):
// grid = (ceil(N*ceil(H/sh)*ceil(W/sw) / IGEMM_BN), ceil(C / IGEMM_BM_NARROW), sh*sw*splits),
// block = IGEMM_NARROW_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_NARROW_THREADS, IGEMM_NARROW_MIN_BLOCKS_PER_SM)
    conv2d_dgrad_igemm_narrow(const float* __restrict__ gy, const float* __restrict__ w, float* __restrict__ dx,
                              const float* __restrict__ bias_or_null,
                              int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                              int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_dgrad_tile<IGEMM_BM_NARROW>(gy, w, dx, bias_or_null, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                                       pad_h, pad_w, dil_h, dil_w);
}

// ---- input gradient, few channels -------------------------------------------------------------------
// With C <= DGRAD_DIRECT_MAX_C input channels (a network's first layer, a generator's last) a dgrad tile of
// IGEMM_BM rows over C is almost all idle, so each input pixel is computed directly, its C channels in registers:
//   dx[n, c, h, w] = sum over k and the taps (r, s) that reach an output of w[k, c, r, s] * gy[n, k, p, q],
//   p = (h + ph - r*dh) / sh,  q = (w + pw - s*dw) / sw   (exact divisions, 0 <= p < P, 0 <= q < Q).
// Which taps reach an output depends on h mod sh and w mod sw (the stride phase), so pixels are numbered phase
// by phase, and within a phase row by row: a warp's pixels share their taps (no divergence at a stride > 1) and
// neighbouring lanes read neighbouring q (coalesced gy loads, one broadcast weight load):
//   j = (((n*sh + fh)*sw + fw)*Hs + a)*Ws + b,   h = a*sh + fh,  w = b*sw + fw,   Hs = ceil(H/sh), Ws = ceil(W/sw)
// (j runs over N*sh*sw*Hs*Ws >= N*H*W; the j with h >= H or w >= W compute nothing). Each pixel's sum over k is
// split over DGRAD_DIRECT_KSPLIT adjacent lanes (lane part = thread % KSPLIT takes k = part, part + KSPLIT, ...),
// so that even a small batch has enough warps in flight to hide the gy loads; the parts are added by warp
// shuffles and part 0 writes. Thread t handles pixel j = t / KSPLIT, grid-stride; a warp runs the loop while its
// first pixel is in range, so that all of its lanes reach the shuffles.
constexpr int DGRAD_DIRECT_MAX_C = 4;
constexpr int DGRAD_DIRECT_THREADS = 256;
constexpr int DGRAD_DIRECT_KSPLIT = 4;  // lanes per pixel: a power of two that divides the warp size

// grid-stride over N*sh*sw*Hs*Ws pixels times DGRAD_DIRECT_KSPLIT lanes, block = DGRAD_DIRECT_THREADS.
NG_KERNEL void __launch_bounds__(DGRAD_DIRECT_THREADS)
    conv2d_dgrad_direct(const float* __restrict__ gy, const float* __restrict__ w, float* __restrict__ dx,
                        const float* __restrict__ bias_or_null, int N, int C, int H, int W, int K, int R, int S,
                        int P, int Q, int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    const int Hs = (H + stride_h - 1) / stride_h, Ws = (W + stride_w - 1) / stride_w;
    const int pixels = N * stride_h * stride_w * Hs * Ws;
    const int thread = blockIdx.x * blockDim.x + threadIdx.x, part = thread % DGRAD_DIRECT_KSPLIT;
    const int lane_pixel = (threadIdx.x % warpSize) / DGRAD_DIRECT_KSPLIT;  // this lane's pixel within its warp
    const int step = gridDim.x * blockDim.x / DGRAD_DIRECT_KSPLIT;
    for (int j = thread / DGRAD_DIRECT_KSPLIT; j - lane_pixel < pixels; j += step) {
        const int b = j % Ws, a = j / Ws % Hs, fw = j / (Ws * Hs) % stride_w, fh = j / (Ws * Hs * stride_w) % stride_h;
        const int n = j / (Ws * Hs * stride_w * stride_h), h = a * stride_h + fh, x = b * stride_w + fw;
        const bool inside = j < pixels && h < H && x < W;
        float sums[DGRAD_DIRECT_MAX_C] = {};
        for (int r = 0; inside && r < R; ++r) {
            const int row = h + pad_h - r * dil_h;  // = p * stride_h for a tap that reaches output row p
            if (row < 0 || row % stride_h != 0 || row / stride_h >= P) continue;
            for (int s = 0; s < S; ++s) {
                const int col = x + pad_w - s * dil_w;
                if (col < 0 || col % stride_w != 0 || col / stride_w >= Q) continue;
                const float* g = gy + (n * K * P + row / stride_h) * Q + col / stride_w;  // gy[n, 0, p, q]
                const float* taps = w + r * S + s;                                        // w[0, 0, r, s]
#pragma unroll 4
                for (int k = part; k < K; k += DGRAD_DIRECT_KSPLIT) {
                    const float value = g[k * P * Q];
#pragma unroll
                    for (int c = 0; c < DGRAD_DIRECT_MAX_C; ++c)
                        if (c < C) sums[c] += taps[(k * C + c) * R * S] * value;
                }
            }
        }
#pragma unroll
        for (int c = 0; c < DGRAD_DIRECT_MAX_C; ++c) {
            for (int offset = 1; offset < DGRAD_DIRECT_KSPLIT; offset *= 2)
                sums[c] += __shfl_xor_sync(0xffffffff, sums[c], offset);
            if (inside && part == 0 && c < C)
                dx[((n * C + c) * H + h) * W + x] = sums[c] + (bias_or_null != nullptr ? bias_or_null[c] : 0.0f);
        }
    }
}

// ---- weight gradient ----------------------------------------------------------------------------------
// dw[k, c, r, s] = sum_{n, p, q} gy[n, k, p, q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]
//   m = k;  j = (c*R + r)*S + s;  kk = (n*P + p)*Q + q;  A[k, kk] = gy[n, k, p, q] (offset of (n, p, q) + k*P*Q);
//   B[kk, j] = x[...] or 0 in the padding;  O = dw viewed as [K, C*R*S].
// The reduction (N*P*Q) is long and O small: the wrapper splits it over blockIdx.z to fill the GPU.
struct ConvWgradOperands {
    int M, Ncols;
    const float* a;
    int a_row_stride;
    float* out;
    int out_row_stride;
    static constexpr const float* bias = nullptr;  // a weight gradient has no bias
    const float* x;
    int C, H, W, K, R, S, P, Q, sh, sw, ph, pw, dh, dw;
    NgFastDiv by_RS, by_S, by_PQ, by_Q;

    __device__ int a_k_offset(int kk) const {
        int n = ng_div(kk, by_PQ);
        return n * K * P * Q + (kk - n * (P * Q));
    }

    struct Column {
        int x_offset;  // start of channel c in an image of x
        int h0, w0;    // input row/column of output (0, 0) at tap (r, s)
    };
    __device__ Column column(int j) const {
        int c = ng_div(j, by_RS), rs = j - c * (R * S);
        int r = ng_div(rs, by_S), s = rs - r * S;
        return Column{c * H * W, r * dh - ph, s * dw - pw};
    }
    __device__ float b(int kk, const Column& col) const {
        int n = ng_div(kk, by_PQ), pq = kk - n * (P * Q);
        int p = ng_div(pq, by_Q), q = pq - p * Q;
        int ih = p * sh + col.h0, iw = q * sw + col.w0;
        return (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[n * C * H * W + col.x_offset + ih * W + iw] : 0.0f;
    }
    __device__ int out_column_offset(int j) const { return j; }
};

// One BM-row tile of the weight-gradient GEMM, for the two kernels below (one per tile height).
template <int BM>
__device__ __forceinline__ void conv2d_wgrad_tile(
    const float* __restrict__ x, const float* __restrict__ gy, float* __restrict__ dw, int N, int C, int H, int W,
    int K, int R, int S, int P, int Q, int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    ConvWgradOperands op{K, C * R * S, gy, P * Q, dw, C * R * S, x, C, H, W, K, R, S, P, Q,
                         stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
                         ng_fastdiv(R * S), ng_fastdiv(S), ng_fastdiv(P * Q), ng_fastdiv(Q)};
    igemm_tile<BM>(op, blockIdx.y * BM, blockIdx.x * IGEMM_BN, igemm_split_range(N * P * Q, blockIdx.z, gridDim.z),
                   gridDim.z > 1);
}

// grid = (ceil(C*R*S / IGEMM_BN), ceil(K / IGEMM_BM), splits), block = IGEMM_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_THREADS, IGEMM_MIN_BLOCKS_PER_SM)
    conv2d_wgrad_igemm(const float* __restrict__ x, const float* __restrict__ gy, float* __restrict__ dw,
                       int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                       int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_wgrad_tile<IGEMM_BM>(x, gy, dw, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                                pad_h, pad_w, dil_h, dil_w);
}

// The same GEMM in IGEMM_BM_NARROW-row tiles (the wrapper's choice where K <= IGEMM_BM_NARROW):
// grid = (ceil(C*R*S / IGEMM_BN), ceil(K / IGEMM_BM_NARROW), splits), block = IGEMM_NARROW_THREADS.
NG_KERNEL void __launch_bounds__(IGEMM_NARROW_THREADS, IGEMM_NARROW_MIN_BLOCKS_PER_SM)
    conv2d_wgrad_igemm_narrow(const float* __restrict__ x, const float* __restrict__ gy, float* __restrict__ dw,
                              int N, int C, int H, int W, int K, int R, int S, int P, int Q,
                              int stride_h, int stride_w, int pad_h, int pad_w, int dil_h, int dil_w) {
    conv2d_wgrad_tile<IGEMM_BM_NARROW>(x, gy, dw, N, C, H, W, K, R, S, P, Q, stride_h, stride_w,
                                       pad_h, pad_w, dil_h, dil_w);
}

// ---- weight gradient, few taps -------------------------------------------------------------------------
// With C*R*S <= WGRAD_DIRECT_MAX_TAPS the GEMM's output tile (IGEMM_BN columns over C*R*S, IGEMM_BM rows over K)
// is mostly idle, so each block computes one output channel k over a slice of the N*P*Q positions, every tap at
// once in registers:
//   dw[k, j] = sum_{n, p, q} gy[n, k, p, q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw],   j = (c*R + r)*S + s
// grid = (K, splits): block (k, z) takes the positions i = (n*P + p)*Q + q = z*THREADS + t, then every
// splits*THREADS further (grid-stride; the wrapper keeps N*P*Q + 65535*THREADS within int), each thread adding
// gy * x into acc[j] for every tap. The block then sums its
// threads through shared memory (one row per thread, padded by one float so that a warp's stores of one tap fall
// in different banks; thread j adds column j) and atomically adds the result to dw, which the wrapper zeroes.
// The taps' input channel offset and (r*dh, s*dw) are decoded once per block into shared memory, the latter
// packed as (r*dh) << 16 | s*dw (the wrapper requires both below 2^16): the compiler keeps every tap's values in
// registers across the position loop, and one packed word per tap instead of two keeps the kernel within 255
// registers without spilling (nvcc -Xptxas -v: 213 registers; 255 and a 140-byte spill with two words).
constexpr int WGRAD_DIRECT_MAX_TAPS = 64;
constexpr int WGRAD_DIRECT_THREADS = 128;

NG_KERNEL void __launch_bounds__(WGRAD_DIRECT_THREADS)
    conv2d_wgrad_direct(const float* __restrict__ x, const float* __restrict__ gy, float* __restrict__ dw, int N,
                        int C, int H, int W, int K, int R, int S, int P, int Q, int stride_h, int stride_w, int pad_h,
                        int pad_w, int dil_h, int dil_w) {
    __shared__ int tap_offset[WGRAD_DIRECT_MAX_TAPS];
    __shared__ unsigned tap_row_col[WGRAD_DIRECT_MAX_TAPS];
    __shared__ float partial[WGRAD_DIRECT_THREADS][WGRAD_DIRECT_MAX_TAPS + 1];
    const int taps = C * R * S, k = blockIdx.x;
    for (int j = threadIdx.x; j < taps; j += blockDim.x) {
        tap_offset[j] = j / (R * S) * H * W;
        tap_row_col[j] = static_cast<unsigned>(j / S % R * dil_h) << 16 | static_cast<unsigned>(j % S * dil_w);
    }
    __syncthreads();
    float acc[WGRAD_DIRECT_MAX_TAPS] = {};
    for (int i = blockIdx.y * blockDim.x + threadIdx.x; i < N * P * Q; i += gridDim.y * blockDim.x) {
        const int n = i / (P * Q), p = i / Q % P, q = i % Q;
        const float g = gy[((n * K + k) * P + p) * Q + q];
        const int h0 = p * stride_h - pad_h, w0 = q * stride_w - pad_w;
        const float* image = x + n * C * H * W;
#pragma unroll
        for (int j = 0; j < WGRAD_DIRECT_MAX_TAPS; ++j) {
            if (j < taps) {
                const int ih = h0 + static_cast<int>(tap_row_col[j] >> 16);
                const int iw = w0 + static_cast<int>(tap_row_col[j] & 0xffffu);
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) acc[j] += g * image[tap_offset[j] + ih * W + iw];
            }
        }
    }
#pragma unroll
    for (int j = 0; j < WGRAD_DIRECT_MAX_TAPS; ++j)
        if (j < taps) partial[threadIdx.x][j] = acc[j];
    __syncthreads();
    for (int j = threadIdx.x; j < taps; j += blockDim.x) {
        float total = 0.0f;
        for (int t = 0; t < WGRAD_DIRECT_THREADS; ++t) total += partial[t][j];
        atomicAdd(&dw[k * taps + j], total);
    }
}

