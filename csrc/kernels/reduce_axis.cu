// Sum (or mean, with scale = 1 / axis) over the middle axis of a contiguous (outer, axis, inner) view:
//   y[o, i] = scale * sum_{a < axis} x[o, a, i],     x[o, a, i] at (o * axis + a) * inner + i,   y at o * inner + i
// Any reduction of one axis of a contiguous array is this view (outer = product of the dimensions before it,
// inner = product of those after it). Two kernels compute the same thing with different thread layouts; the
// wrapper picks by `inner` (both are correct for every shape):
//   sum_axis_fwd_tile   inner >= 32: a warp reads 32 consecutive i of one (o, a): coalesced
//   sum_axis_fwd_block  small inner (inner = 1: the last axis): a block's threads read consecutive a
#include "common.cuh"
#include "kernels/block_reduce.cuh"

// Tile of sum_axis_fwd_tile: REDUCE_TILE_COLS consecutive i (threadIdx.x) by REDUCE_TILE_ROWS slices of the
// axis (threadIdx.y).
constexpr int REDUCE_TILE_COLS = 32;
constexpr int REDUCE_TILE_ROWS = 8;
// Threads per block of sum_axis_fwd_block (one block per output element).
constexpr int REDUCE_BLOCK_THREADS = 256;

// One block of (REDUCE_TILE_COLS, REDUCE_TILE_ROWS) threads per (o, column tile); grid.x = outer * tiles with
// tiles = ceil(inner / REDUCE_TILE_COLS), blockIdx.x = o * tiles + tile.
//   i = tile * REDUCE_TILE_COLS + threadIdx.x;  thread (x, y) sums a = y, y + REDUCE_TILE_ROWS, ...
//   partial[y][x] <- its sum;  __syncthreads;  the threads of row y = 0 add the REDUCE_TILE_ROWS partials of
//   their column and write y[o, i].
NG_KERNEL void sum_axis_fwd_tile(const float* __restrict__ x, float* __restrict__ y, int axis, int inner, float scale) {
    __shared__ float partial[REDUCE_TILE_ROWS][REDUCE_TILE_COLS];
    const int tiles = ng_ceil_div(inner, REDUCE_TILE_COLS);
    const int o = blockIdx.x / tiles;
    const int i = blockIdx.x % tiles * REDUCE_TILE_COLS + threadIdx.x;
    float sum = 0.0f;
    if (i < inner)
        for (int a = threadIdx.y; a < axis; a += REDUCE_TILE_ROWS) sum += x[(o * axis + a) * inner + i];
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && i < inner) {
        float total = 0.0f;
        for (int row = 0; row < REDUCE_TILE_ROWS; ++row) total += partial[row][threadIdx.x];
        y[o * inner + i] = scale * total;
    }
}

// One block of REDUCE_BLOCK_THREADS threads per output element: blockIdx.x = o * inner + i (grid.x = outer * inner).
// Thread t sums a = t, t + REDUCE_BLOCK_THREADS, ...; block_sum adds the threads' sums; thread 0 writes y[o, i].
NG_KERNEL void sum_axis_fwd_block(const float* __restrict__ x, float* __restrict__ y, int axis, int inner,
                                  float scale) {
    const int o = blockIdx.x / inner;
    const int i = blockIdx.x % inner;
    float sum = 0.0f;
    for (int a = threadIdx.x; a < axis; a += REDUCE_BLOCK_THREADS) sum += x[(o * axis + a) * inner + i];
    sum = block_sum<REDUCE_BLOCK_THREADS>(sum);
    if (threadIdx.x == 0) y[blockIdx.x] = scale * sum;
}
