// The Python bindings of every kernel, written once and compiled twice (see setup.py):
//   * nvcc -x cu             -> nanogan._C   : launch = cudaLaunchKernel on a stream; pointers are device addresses
//   * g++ -DNANOGAN_EMU      -> nanogan._emu : launch = csrc/emu's threads; pointers are host (numpy) addresses
// Each kernel becomes a function  name(grid, block, stream, *kernel_args)  where grid and block are 1-3 ints,
// stream is an int (cudaStream_t; ignored by the emulation), pointer arguments are ints (addresses) and the
// rest are the kernel's int / float parameters. nanogan/_kernels.py is the friendly layer above.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "common.cuh"
// ---- the kernels: one include per source file ----
#include "kernels/conv2d.cu"
#include "kernels/leaky_relu.cu"
#include "kernels/activation.cu"
#include "kernels/batch_norm.cu"
#include "kernels/grad_penalty.cu"
#include "kernels/layer_norm.cu"
#include "kernels/optim.cu"
#include "kernels/pool.cu"
#include "kernels/reduce_axis.cu"
#include "kernels/upsample.cu"

namespace py = pybind11;

namespace ng {

struct KernelLaunchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What Python passes for each kernel parameter type: an address (int) for a pointer, the value otherwise.
template <class T>
using PythonArg = std::conditional_t<std::is_pointer_v<T>, std::uintptr_t, T>;

template <class T>
T to_kernel_arg(PythonArg<T> value) {
    if constexpr (std::is_pointer_v<T>)
        return reinterpret_cast<T>(value);
    else
        return value;
}

inline dim3 to_dim3(const std::vector<unsigned>& v, const char* kernel, const char* what) {
    if (v.empty() || v.size() > 3) {
        std::ostringstream os;
        os << "kernel " << kernel << ": " << what << " must have 1 to 3 dimensions, got " << v.size();
        throw KernelLaunchError(os.str());
    }
    return dim3(v[0], v.size() > 1 ? v[1] : 1, v.size() > 2 ? v[2] : 1);
}

inline std::string launch_shape(const char* name, dim3 grid, dim3 block) {
    std::ostringstream os;
    os << "kernel " << name << "<<<grid(" << grid.x << "," << grid.y << "," << grid.z << "), block(" << block.x << ","
       << block.y << "," << block.z << ")>>>";
    return os.str();
}

#if defined(NANOGAN_EMU)

template <class... Params>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, std::uintptr_t /*stream*/,
            Params... args) {
    try {
        ng_emu::launch(name, kernel, grid, block, args...);
    } catch (const ng_emu::LaunchError& e) {
        throw KernelLaunchError(e.what());
    }
}

#else  // nvcc: the real launch, checked

inline void check(cudaError_t status, const char* name, dim3 grid, dim3 block, const char* when) {
    if (status != cudaSuccess)
        throw KernelLaunchError(launch_shape(name, grid, block) + ": " + when + ": " + cudaGetErrorName(status) + " (" +
                                cudaGetErrorString(status) + ")");
}

// NANOGAN_SYNC_LAUNCHES=1: synchronise after each launch, so an asynchronous fault names its kernel.
inline bool sync_after_launch() {
    static const bool enabled = [] {
        const char* v = std::getenv("NANOGAN_SYNC_LAUNCHES");
        return v != nullptr && v[0] != '\0' && v[0] != '0';
    }();
    return enabled;
}

template <class... Params>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, std::uintptr_t stream,
            Params... args) {
    void* argv[sizeof...(Params) + 1] = {static_cast<void*>(&args)...};
    auto s = reinterpret_cast<cudaStream_t>(stream);
    check(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, argv, 0, s), name, grid, block,
          "launch failed");
    check(cudaGetLastError(), name, grid, block, "launch failed");
    if (sync_after_launch()) {
        // a stream being captured into a CUDA graph runs nothing yet, and waiting on it would end the capture
        cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
        check(cudaStreamIsCapturing(s, &capture), name, grid, block, "capture query failed");
        if (capture == cudaStreamCaptureStatusNone) check(cudaStreamSynchronize(s), name, grid, block, "kernel failed");
    }
}

#endif

// One Python function per kernel, its parameter list derived from the kernel's own signature.
template <class... Params>
void bind_kernel(py::module_& m, const char* name, void (*kernel)(Params...)) {
    m.def(
        name,
        [name, kernel](const std::vector<unsigned>& grid, const std::vector<unsigned>& block, std::uintptr_t stream,
                       PythonArg<Params>... args) {
            dim3 g = to_dim3(grid, name, "grid"), b = to_dim3(block, name, "block");
            py::gil_scoped_release release_gil_while_the_kernel_runs;
            launch(name, kernel, g, b, stream, to_kernel_arg<Params>(args)...);
        },
        "grid, block, stream, *kernel_args: launch the kernel (see nanogan/_kernels.py)");
}

}  // namespace ng

#define NG_BIND(module, kernel) ::ng::bind_kernel(module, #kernel, &kernel)

PYBIND11_MODULE(NG_MODULE_NAME, m) {
#if defined(NANOGAN_EMU)
    m.doc() = "nanogan's CUDA kernels run by the host emulation of csrc/emu (pointers: numpy addresses)";
    m.attr("device") = "emu";
#else
    m.doc() = "nanogan's CUDA kernels compiled by nvcc (pointers: device addresses)";
    m.attr("device") = "cuda";
#endif
    py::register_local_exception<ng::KernelLaunchError>(m, "KernelLaunchError", PyExc_RuntimeError);

    // ---- one binding line per kernel ----
    NG_BIND(m, conv2d_fwd_igemm);
    NG_BIND(m, conv2d_fwd_igemm_narrow);
    NG_BIND(m, conv2d_fwd_direct);
    NG_BIND(m, conv2d_dgrad_igemm);
    NG_BIND(m, conv2d_dgrad_igemm_narrow);
    NG_BIND(m, conv2d_dgrad_direct);
    NG_BIND(m, conv2d_wgrad_igemm);
    NG_BIND(m, conv2d_wgrad_igemm_narrow);
    NG_BIND(m, conv2d_wgrad_direct);
    NG_BIND(m, leaky_relu_fwd);
    NG_BIND(m, relu_fwd);
    NG_BIND(m, relu_bwd);
    NG_BIND(m, leaky_relu_bwd);
    NG_BIND(m, sigmoid_fwd);
    NG_BIND(m, sigmoid_bwd);
    NG_BIND(m, sigmoid_double_bwd);
    NG_BIND(m, tanh_fwd);
    NG_BIND(m, tanh_bwd);
    NG_BIND(m, tanh_double_bwd);
    NG_BIND(m, softplus_fwd);
    NG_BIND(m, softplus_bwd);
    NG_BIND(m, softplus_double_bwd);
    NG_BIND(m, bias_relu_fwd);
    NG_BIND(m, bias_leaky_relu_fwd);
    NG_BIND(m, bias_sigmoid_fwd);
    NG_BIND(m, bias_tanh_fwd);
    NG_BIND(m, bias_softplus_fwd);
    NG_BIND(m, batch_norm_fwd_train);
    NG_BIND(m, batch_norm_fwd_eval);
    NG_BIND(m, batch_norm_bwd);
    NG_BIND(m, batch_norm_double_bwd);
    NG_BIND(m, batch_norm_stats);
    NG_BIND(m, batch_norm_grad_sums);
    NG_BIND(m, grad_penalty_fwd);
    NG_BIND(m, grad_penalty_bwd);
    NG_BIND(m, layer_norm_fwd);
    NG_BIND(m, layer_norm_dgrad);
    NG_BIND(m, layer_norm_wgrad);
    NG_BIND(m, sgd_update);
    NG_BIND(m, adam_update);
    NG_BIND(m, rmsprop_update);
    NG_BIND(m, max_pool2d_fwd);
    NG_BIND(m, max_pool2d_dgrad);
    NG_BIND(m, avg_pool2d_fwd);
    NG_BIND(m, avg_pool2d_dgrad);
    NG_BIND(m, sum_axis_fwd_tile);
    NG_BIND(m, sum_axis_fwd_block);
    NG_BIND(m, upsample_nearest2d_fwd);
    NG_BIND(m, upsample_nearest2d_dgrad);
}
