// Template for elementwise kernels: one output element per loop trip, grid-stride loop, bounds by `n`.
#include "common.cuh"

// y[i] = x[i]          if x[i] > 0
//        slope * x[i]  otherwise,                 for i in [0, n)
// i = blockIdx.x * blockDim.x + threadIdx.x + t * (gridDim.x * blockDim.x), t = 0, 1, ...  (grid-stride loop:
// any grid covers any n; launch with ELEMENTWISE_THREADS threads and elementwise_grid(n) blocks).
NG_KERNEL void leaky_relu_fwd(const float* __restrict__ x, float* __restrict__ y, int n, float slope) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float v = x[i];
        y[i] = v > 0.0f ? v : slope * v;
    }
}
