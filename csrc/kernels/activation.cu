// Elementwise activations f with their first and second derivatives, and the fused per-channel bias + f.
//
// Each activation is a struct with value(x) = f(x), slope(x) = f'(x), curvature(x) = f''(x); four loops
// (below) apply one of them, and each extern "C" kernel is one line naming the pair. All derivatives are of the
// input x (what the autograd graph saves):
//   <f>_fwd          y[i]  = f(x[i])
//   <f>_bwd          dx[i] = g[i] f'(x[i])                      (gradient of y)
//   <f>_double_bwd   gx[i] = ggx[i] g[i] f''(x[i])              (gradient of <f>_bwd's dx with respect to x;
//                                                               its gradient with respect to g is <f>_bwd(x, ggx))
//   bias_<f>_fwd     y[i]  = f(x[i] + bias[(i / inner) % channels])     (NCHW: inner = H*W, channels = C)
// relu and leaky_relu are piecewise linear: f'' = 0 almost everywhere, so they have no double_bwd kernel.
// leaky_relu_fwd is kernels/leaky_relu.cu (the elementwise template).
//
// Index math of every loop: i = blockIdx.x * blockDim.x + threadIdx.x + t * gridDim.x * blockDim.x, t = 0, 1, ...
// (grid-stride: ELEMENTWISE_THREADS threads per block, any grid covers any n).
#include "common.cuh"

// 1 / (1 + e^-x) without overflow: e^-x is only evaluated for x >= 0, e^x only for x < 0.
__device__ __forceinline__ float stable_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

struct Relu {
    __device__ float value(float x) const { return x > 0.0f ? x : 0.0f; }
    __device__ float slope(float x) const { return x <= 0.0f ? 0.0f : 1.0f; }  // NaN passes g, as PyTorch's
};

struct LeakyRelu {
    float negative_slope;
    __device__ float value(float x) const { return x > 0.0f ? x : negative_slope * x; }
    // at x = NaN PyTorch's ReLU passes g (its threshold_backward zeroes g where x <= 0 only), its leaky ReLU scales it
    __device__ float slope(float x) const {
        return x > 0.0f || (negative_slope == 0.0f && x != x) ? 1.0f : negative_slope;
    }
};

// s = sigmoid(x):  f' = s (1 - s),  f'' = s (1 - s) (1 - 2 s)
struct Sigmoid {
    __device__ float value(float x) const { return stable_sigmoid(x); }
    __device__ float slope(float x) const {
        const float s = stable_sigmoid(x);
        return s * (1.0f - s);
    }
    __device__ float curvature(float x) const {
        const float s = stable_sigmoid(x);
        return s * (1.0f - s) * (1.0f - 2.0f * s);
    }
};

// t = tanh(x):  f' = 1 - t^2,  f'' = -2 t (1 - t^2)
struct Tanh {
    __device__ float value(float x) const { return tanhf(x); }
    __device__ float slope(float x) const {
        const float t = tanhf(x);
        return 1.0f - t * t;
    }
    __device__ float curvature(float x) const {
        const float t = tanhf(x);
        return -2.0f * t * (1.0f - t * t);
    }
};

// PyTorch's softplus: f = log(1 + e^(beta x)) / beta, and f = x where beta x > threshold (there the two agree
// to float precision, and e^(beta x) would overflow). With s = sigmoid(beta x):
//   f' = s,  f'' = beta s (1 - s)          (f' = 1, f'' = 0 above the threshold)
struct Softplus {
    float beta, threshold;
    __device__ bool linear(float x) const { return x * beta > threshold; }
    __device__ float value(float x) const { return linear(x) ? x : log1pf(expf(x * beta)) / beta; }
    __device__ float slope(float x) const { return linear(x) ? 1.0f : stable_sigmoid(x * beta); }
    __device__ float curvature(float x) const {
        if (linear(x)) return 0.0f;
        const float s = stable_sigmoid(x * beta);
        return beta * s * (1.0f - s);
    }
};

template <class F>
__device__ void activation_fwd(const float* __restrict__ x, float* __restrict__ y, int n, F f) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = f.value(x[i]);
}

template <class F>
__device__ void activation_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n,
                               F f) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        dx[i] = g[i] * f.slope(x[i]);
}

template <class F>
__device__ void activation_double_bwd(const float* __restrict__ x, const float* __restrict__ g,
                                      const float* __restrict__ ggx, float* __restrict__ gx, int n, F f) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        gx[i] = ggx[i] * g[i] * f.curvature(x[i]);
}

template <class F>
__device__ void bias_activation_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y,
                                    int n, int channels, int inner, F f) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        y[i] = f.value(x[i] + bias[(i / inner) % channels]);
}

NG_KERNEL void relu_fwd(const float* __restrict__ x, float* __restrict__ y, int n) {
    activation_fwd(x, y, n, Relu{});
}
NG_KERNEL void relu_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n) {
    activation_bwd(x, g, dx, n, Relu{});
}
NG_KERNEL void leaky_relu_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n,
                              float slope) {
    activation_bwd(x, g, dx, n, LeakyRelu{slope});
}

NG_KERNEL void sigmoid_fwd(const float* __restrict__ x, float* __restrict__ y, int n) {
    activation_fwd(x, y, n, Sigmoid{});
}
NG_KERNEL void sigmoid_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n) {
    activation_bwd(x, g, dx, n, Sigmoid{});
}
NG_KERNEL void sigmoid_double_bwd(const float* __restrict__ x, const float* __restrict__ g,
                                  const float* __restrict__ ggx, float* __restrict__ gx, int n) {
    activation_double_bwd(x, g, ggx, gx, n, Sigmoid{});
}

NG_KERNEL void tanh_fwd(const float* __restrict__ x, float* __restrict__ y, int n) {
    activation_fwd(x, y, n, Tanh{});
}
NG_KERNEL void tanh_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n) {
    activation_bwd(x, g, dx, n, Tanh{});
}
NG_KERNEL void tanh_double_bwd(const float* __restrict__ x, const float* __restrict__ g, const float* __restrict__ ggx,
                               float* __restrict__ gx, int n) {
    activation_double_bwd(x, g, ggx, gx, n, Tanh{});
}

NG_KERNEL void softplus_fwd(const float* __restrict__ x, float* __restrict__ y, int n, float beta, float threshold) {
    activation_fwd(x, y, n, Softplus{beta, threshold});
}
NG_KERNEL void softplus_bwd(const float* __restrict__ x, const float* __restrict__ g, float* __restrict__ dx, int n,
                            float beta, float threshold) {
    activation_bwd(x, g, dx, n, Softplus{beta, threshold});
}
NG_KERNEL void softplus_double_bwd(const float* __restrict__ x, const float* __restrict__ g,
                                   const float* __restrict__ ggx, float* __restrict__ gx, int n, float beta,
                                   float threshold) {
    activation_double_bwd(x, g, ggx, gx, n, Softplus{beta, threshold});
}

NG_KERNEL void bias_relu_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y, int n,
                             int channels, int inner) {
    bias_activation_fwd(x, bias, y, n, channels, inner, Relu{});
}
NG_KERNEL void bias_leaky_relu_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y,
                                   int n, int channels, int inner, float slope) {
    bias_activation_fwd(x, bias, y, n, channels, inner, LeakyRelu{slope});
}
NG_KERNEL void bias_sigmoid_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y,
                                int n, int channels, int inner) {
    bias_activation_fwd(x, bias, y, n, channels, inner, Sigmoid{});
}
NG_KERNEL void bias_tanh_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y, int n,
                             int channels, int inner) {
    bias_activation_fwd(x, bias, y, n, channels, inner, Tanh{});
}
NG_KERNEL void bias_softplus_fwd(const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ y,
                                 int n, int channels, int inner, float beta, float threshold) {
    bias_activation_fwd(x, bias, y, n, channels, inner, Softplus{beta, threshold});
}
