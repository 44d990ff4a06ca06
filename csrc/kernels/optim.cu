// Fused optimiser steps: each kernel updates a flat parameter array and its optimiser state in place, with
// PyTorch's formulas (torch.optim, single-tensor path), one element per loop trip.
//
// Index math of every kernel: i = blockIdx.x * blockDim.x + threadIdx.x + t * gridDim.x * blockDim.x (grid-stride:
// ELEMENTWISE_THREADS threads per block, any grid covers any n); element i of every array belongs to param[i].
// State arrays that a configuration does not use (momentum_buffer when momentum == 0, grad_avg when not
// centered) are neither read nor written.
#include "common.cuh"

// SGD, with d = grad + weight_decay * param:
//   momentum == 0:  param -= lr * d
//   otherwise:      buf = d                                          on the first step (first_step != 0)
//                   buf = momentum * buf + (1 - dampening) * d       afterwards
//                   param -= lr * (nesterov ? d + momentum * buf : buf)
NG_KERNEL void sgd_update(float* __restrict__ param, const float* __restrict__ grad,
                          float* __restrict__ momentum_buffer, int n, float lr, float momentum, float dampening,
                          float weight_decay, int nesterov, int first_step) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float d = grad[i] + weight_decay * param[i];
        if (momentum != 0.0f) {
            const float buf = first_step ? d : momentum * momentum_buffer[i] + (1.0f - dampening) * d;
            momentum_buffer[i] = buf;
            d = nesterov ? d + momentum * buf : buf;
        }
        param[i] -= lr * d;
    }
}

// Adam at step t >= 1, with either of PyTorch's weight decays (torch.optim.Adam's decoupled_weight_decay):
//   Adam's L2 decay:            l2_weight_decay = weight_decay,  param_scale = 1
//   AdamW's decoupled decay:    l2_weight_decay = 0,             param_scale = 1 - lr * weight_decay
// and then, with p = param_scale * param and d = grad + l2_weight_decay * p:
//   exp_avg    = beta1 * exp_avg    + (1 - beta1) * d
//   exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * d^2
//   param      = p - step_size * exp_avg / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps)
// where step_size = lr / (1 - beta1^t), bias_correction2_sqrt = sqrt(1 - beta2^t) and param_scale come in
// double-precision arithmetic from the host, with the complements one_minus_beta1, one_minus_beta2 (in float,
// 1 - 0.999^t would keep only a few significant digits for small t, and 1 - beta2 is off by 2e-4 relative for
// beta2 = 0.9999, as torch's are not). When t lives on the device (Adam's capturable=True: a step recorded in a
// CUDA graph must see the t of each replay, not the t it was recorded at), corrections_or_null =
// [step_size, bias_correction2_sqrt, param_scale], computed on the device from t and lr, replaces the three values
// passed by value: read when the kernel runs.
NG_KERNEL void adam_update(float* __restrict__ param, const float* __restrict__ grad, float* __restrict__ exp_avg,
                           float* __restrict__ exp_avg_sq, int n, float beta1, float one_minus_beta1, float beta2,
                           float one_minus_beta2, float eps, float l2_weight_decay, float step_size,
                           float bias_correction2_sqrt, float param_scale,
                           const float* __restrict__ corrections_or_null) {
    if (corrections_or_null != nullptr) {
        step_size = corrections_or_null[0];
        bias_correction2_sqrt = corrections_or_null[1];
        param_scale = corrections_or_null[2];
    }
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const float p = param_scale * param[i];
        const float d = grad[i] + l2_weight_decay * p;
        const float m = beta1 * exp_avg[i] + one_minus_beta1 * d;
        const float v = beta2 * exp_avg_sq[i] + one_minus_beta2 * d * d;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        param[i] = p - step_size * m / (sqrtf(v) / bias_correction2_sqrt + eps);
    }
}

// RMSprop, with d = grad + weight_decay * param (state starts at zero, as in PyTorch; one_minus_alpha = 1 - alpha
// comes from the host, computed in double as Adam's complements are):
//   square_avg = alpha * square_avg + (1 - alpha) * d^2
//   centered:  grad_avg = alpha * grad_avg + (1 - alpha) * d,   avg = sqrt(square_avg - grad_avg^2) + eps
//   otherwise: avg = sqrt(square_avg) + eps
//   momentum > 0: buf = momentum * buf + d / avg,  param -= lr * buf
//   otherwise:    param -= lr * d / avg
NG_KERNEL void rmsprop_update(float* __restrict__ param, const float* __restrict__ grad,
                              float* __restrict__ square_avg, float* __restrict__ grad_avg,
                              float* __restrict__ momentum_buffer, int n, float lr, float alpha, float one_minus_alpha,
                              float eps, float weight_decay, float momentum, int centered) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const float d = grad[i] + weight_decay * param[i];
        const float sq = alpha * square_avg[i] + one_minus_alpha * d * d;
        square_avg[i] = sq;
        float avg;
        if (centered) {
            const float mean = alpha * grad_avg[i] + one_minus_alpha * d;
            grad_avg[i] = mean;
            avg = sqrtf(sq - mean * mean) + eps;
        } else {
            avg = sqrtf(sq) + eps;
        }
        if (momentum > 0.0f) {
            const float buf = momentum * momentum_buffer[i] + d / avg;
            momentum_buffer[i] = buf;
            param[i] -= lr * buf;
        } else {
            param[i] -= lr * d / avg;
        }
    }
}
