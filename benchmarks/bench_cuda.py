"""CUDA benchmarks: nanogan's CUDA backend against PyTorch (cuDNN, no TF32) on the same GPU.

    python benchmarks/bench_cuda.py                  # everything, batches 64 and 256
    python benchmarks/bench_cuda.py --quick          # fewer repeats
    python benchmarks/bench_cuda.py --only conv      # conv | bn | steps
    python benchmarks/bench_cuda.py --json out.json  # rows as JSON (default: benchmarks/results/bench_cuda_<date>.json)
    python benchmarks/bench_cuda.py --choices out.json   # the kernel choices of a run's rows, on any machine

Each row: nanogan's median time, PyTorch's median time (when torch has CUDA) and their ratio (nanogan / torch:
below 1 is faster), timed with CUDA events on the current stream after a warm-up, so a launch-bound op
(the host queues kernels slower than the GPU runs them) is charged the host's time too.

  conv   the convolution kernels themselves, on device arrays: the kernel wrappers the CUDA backend calls
         (nanogan/_kernels.py over csrc/kernels/conv2d.cu) against aten.convolution / aten.convolution_backward
         (cuDNN), with the achieved GFLOP/s (2·N·K·P·Q·C·R·S per pass, the same for forward, dgrad and wgrad)
         and its share of the GPU's FP32 peak (SMs × FP32 lanes per SM × 2 × clock; --peak-tflops overrides).
         Transposed convolutions: forward, and backward = input and weight gradients together. Each pass's
         own row runs algorithm="benchmark" (the fastest kernel for the shape, timed on its first call, as
         cuDNN's is with cudnn.benchmark on; the JSON row names the kernels it ran, with their grids); its
         "(auto)" row, the kernel the channel counts choose without timing (none where the window is the
         whole image: both choices are then one cuBLAS product, and its "(igemm)" row times the implicit GEMM
         it saves). A layer with few channels on one side gets a row "(igemm)": the same pass forced onto the
         implicit GEMM, against which the direct kernels' thresholds are set; a layer with at most 64
         channels on one side a row "(igemm_wide)": the GEMM in 128-row tiles, against which the narrow 64-row
         tile is judged.
  bn     batch norm through the public API (F.batch_norm, ng.grad): forward, backward, and double backward
         (the gradient of <dx, u>, what a gradient penalty through batch norm costs), with the effective
         bandwidth of forward (reads x, writes y) and backward (reads x and g, writes dx).
  steps  WGAN-GP training on the official WGAN-GP MNIST networks (nanogan.models.WGANGPMNIST*) and the 64x64
         DCGAN of PyTorch's tutorial (nanogan.models.DCGAN64*; its discriminator, batch norm included, as the
         critic): one critic step (critic on real and fake, gradient penalty with its double backward, Adam
         step), the same step without the penalty (their ratio is what the penalty costs, printed for both
         libraries), one generator step, and one full iteration (5 critic steps + 1 generator step). Noise,
         penalty weights and "real" images are drawn once into static device buffers on both sides, so both
         time the same arithmetic. nanogan runs eagerly and, as "graph", replaying a CUDA graph of the step
         (nanogan.backend.cuda.graphs, with Adam(capturable=True) so that replays count Adam's steps;
         eagerly, Adam's update is one fused kernel per parameter). Both libraries time their convolution
         kernels per shape (nanogan.backend.cuda.conv.benchmark, torch.backends.cudnn.benchmark).

Shapes: the layer tables of benchmarks/bench_cpu.py, at batch 64 and 256 (--batches).
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # bench_cpu, and nanogan from this checkout
from bench_cpu import BN_SHAPES, CONV_LAYERS, CONV_T_LAYERS  # noqa: E402  (shapes shared with the CPU benchmark)
import provenance  # noqa: E402

import nanogan as ng  # noqa: E402
import nanogan.nn.functional as F  # noqa: E402
from nanogan import models, optim  # noqa: E402
from nanogan.atomic import write_atomically  # noqa: E402
from nanogan.ops.loss import unit_norm_penalty  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF
    if not torch.cuda.is_available():
        torch = None
except ImportError:
    torch = None

RESULTS = os.path.join(HERE, "results")
ADAM = dict(lr=1e-4, betas=(0.5, 0.9))  # the WGAN-GP paper's
PENALTY_WEIGHT = 10.0
CRITIC_STEPS = 5

# FP32 lanes per SM by compute capability (major, minor), from NVIDIA's CUDA C Programming Guide table
FP32_LANES_PER_SM = {(7, 0): 64, (7, 5): 64, (8, 0): 64, (8, 6): 128, (8, 7): 128, (8, 9): 128, (9, 0): 128,
                     (10, 0): 128, (12, 0): 128}


# ---- timing -----------------------------------------------------------------------------------------------

def _cupy_events():
    import cupy
    return cupy.cuda.Event, lambda start, end: cupy.cuda.get_elapsed_time(start, end)


def _torch_events():
    return (lambda: torch.cuda.Event(enable_timing=True)), lambda start, end: start.elapsed_time(end)


def median_ms(fn, events, repeats, warmup=3):
    """Median over `repeats` runs of the device time between events recorded around fn() (ms)."""
    make_event, elapsed = events
    for _ in range(warmup):
        fn()
    marks = []
    for _ in range(repeats):
        start, end = make_event(), make_event()
        start.record()
        fn()
        end.record()
        marks.append((start, end))
    marks[-1][1].synchronize()
    return statistics.median(elapsed(start, end) for start, end in marks)


class Table:
    def __init__(self, peak_gflops, peak_gbps):
        self.rows, self.peak_gflops, self.peak_gbps = [], peak_gflops, peak_gbps
        print(f"| {'op (float32)':<52} | {'nanogan ms':>10} | {'torch ms':>9} | {'ratio':>6} | {'achieved':>22} |")
        print(f"|{'-' * 54}|{'-' * 12}|{'-' * 11}|{'-' * 8}|{'-' * 24}|")

    def add(self, op, ours_ms, theirs_ms, flops=None, bytes_moved=None):
        row = {"op": op, "nanogan_ms": ours_ms, "torch_ms": theirs_ms,
               "ratio": ours_ms / theirs_ms if theirs_ms else None}
        achieved = ""
        if flops:
            row["gflops"] = flops / ours_ms / 1e6
            row["torch_gflops"] = flops / theirs_ms / 1e6 if theirs_ms else None
            share = f" ({row['gflops'] / self.peak_gflops:4.0%})" if self.peak_gflops else ""
            achieved = f"{row['gflops']:7.0f} GFLOP/s{share}"
        if bytes_moved:
            row["gbps"] = bytes_moved / ours_ms / 1e6
            share = f" ({row['gbps'] / self.peak_gbps:4.0%})" if self.peak_gbps else ""
            achieved = f"{row['gbps']:7.0f} GB/s{share}"
        self.rows.append(row)
        theirs_s = f"{theirs_ms:9.3f}" if theirs_ms else "        -"
        ratio_s = f"{row['ratio']:6.2f}" if row["ratio"] else "     -"
        print(f"| {op:<52} | {ours_ms:10.3f} | {theirs_s} | {ratio_s} | {achieved:>22} |", flush=True)


def _pair(ours, theirs, repeats):
    return (median_ms(ours, _cupy_events(), repeats),
            median_ms(theirs, _torch_events(), repeats) if torch and theirs else None)


# ---- the device ---------------------------------------------------------------------------------------------

def device_facts(peak_tflops=None):
    """GPU name, FP32 peak (GFLOP/s) and memory bandwidth peak (GB/s) from CuPy's device properties."""
    import cupy
    device = cupy.cuda.Device()
    props = cupy.cuda.runtime.getDeviceProperties(device.id)
    lanes = FP32_LANES_PER_SM.get((props["major"], props["minor"]))
    clock_khz = props.get("clockRate")
    peak = (peak_tflops * 1e3 if peak_tflops else
            props["multiProcessorCount"] * lanes * 2 * clock_khz / 1e6 if lanes and clock_khz else None)
    memory_khz, bus_bits = props.get("memoryClockRate"), props.get("memoryBusWidth")
    bandwidth = 2 * memory_khz * bus_bits / 8 / 1e6 if memory_khz and bus_bits else None
    return {"gpu": ng.cuda.get_device_name(), "compute_capability": f"{props['major']}.{props['minor']}",
            "sms": props["multiProcessorCount"], "fp32_peak_gflops": peak, "memory_peak_gbps": bandwidth,
            "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(), "driver": cupy.cuda.runtime.driverGetVersion()}


# ---- convolution kernels ------------------------------------------------------------------------------------

def _device_arrays(rng, *shapes):
    import cupy
    return [cupy.asarray(rng.standard_normal(s).astype(np.float32) * 0.1) for s in shapes]


def _torch_views(*arrays):
    return [torch.as_tensor(a, device="cuda") for a in arrays]  # shares CuPy's memory (__cuda_array_interface__)


FEW_CHANNELS = 4  # a layer with this few channels on one side runs direct kernels (csrc/kernels/conv2d.cu)
TWIN_ALGORITHMS = ("igemm", "igemm_wide")  # the forced kernels timed beside nanogan's choice


def _alternatives(lib, whole_window, cin, cout):
    """The choices timed beside nanogan's fastest on a layer's passes. Where the window is the whole image, the
    heuristic and the benchmark both run the cuBLAS product, so only the implicit GEMM it saves is timed. Elsewhere:
    the heuristic's own choice ("auto"); the implicit GEMM where that choice is a direct kernel; the GEMM in 128-row
    tiles where one side's channels, as GEMM rows, fit the narrow tile."""
    if whole_window:
        return ("igemm",)
    return ("auto",) + (("igemm",) if min(cin, cout) <= FEW_CHANNELS else ()) + (
        ("igemm_wide",) if min(cin, cout) <= lib.constant("IGEMM_BM_NARROW") else ())


def _launches(lib, fn):
    """The kernels fn() launches through lib, as "name<<<grid>>>" (the grid's z counts split-K's splits)."""
    launched, launch = [], lib.launch

    def recording(name, grid, *args, **kwargs):
        launched.append(f"{name}<<<{grid}>>>")
        return launch(name, grid, *args, **kwargs)
    lib.launch = recording
    try:
        fn()
    finally:
        del lib.launch  # the class's method again
    return launched


def _add_conv_rows(table, label, ours, theirs, repeats, flops, alternatives):
    """One row for nanogan's fastest kernel (`ours("benchmark")`) against cuDNN, with the kernels it turned out
    to be, and one per algorithm in `alternatives` timing the same pass on that choice: "(auto)", the kernel the
    heuristic picks, and the forced twins "(igemm)" or "(igemm_wide)", so that the thresholds that choose between
    them can be read off the table."""
    from nanogan.backend.cuda._dispatch import kernel_library
    ours("benchmark")  # times the candidates on this shape
    fastest = _launches(kernel_library(), lambda: ours("benchmark"))
    ours_ms, theirs_ms = _pair(lambda: ours("benchmark"), theirs, repeats)
    table.add(label, ours_ms, theirs_ms, flops=flops)
    table.rows[-1]["kernels"] = fastest or ["cuBLAS gemm"]  # no kernel of nanogan's: a matrix product
    for algorithm in alternatives:
        table.add(f"{label} ({algorithm})", median_ms(lambda: ours(algorithm), _cupy_events(), repeats), theirs_ms,
                  flops=flops)


def kernel_choices(rows):
    """How the heuristic's kernel (algorithm="auto": the pass's "(auto)" row; in runs from before there was one,
    the pass's own row) compares with each alternative timed on the same pass: the "(igemm)" and "(igemm_wide)"
    rows, and "benchmark", the pass's own row, the fastest of all kernels and split counts. For each: the pass,
    the heuristic's time, the alternative, its time, and their ratio (above 1: the alternative is faster). The
    thresholds that choose a direct kernel (csrc/kernels/conv2d.cu) and the narrow tile (IGEMM_BM_NARROW) are
    read off these."""
    timed = {row["op"]: row["nanogan_ms"] for row in rows if "nanogan_ms" in row}  # not the ratio rows
    choices = []
    for op, ms in timed.items():
        label, _, suffix = op.rpartition(" (")
        algorithm = suffix[:-1]
        if not (suffix.endswith(")") and label in timed):
            continue
        if algorithm == "auto":
            alternative, alternative_ms = "benchmark", timed[label]
        elif algorithm in TWIN_ALGORITHMS:
            alternative, alternative_ms = algorithm, ms
        else:
            continue
        chosen_ms = timed.get(f"{label} (auto)", timed[label])
        choices.append({"pass": label, "chosen_ms": chosen_ms, "forced": alternative, "forced_ms": alternative_ms,
                        "ratio": chosen_ms / alternative_ms})
    return choices


def print_kernel_choices(choices):
    heading = "pass: the heuristic's kernel against another"
    print(f"\n| {heading:<52} | {'auto ms':>9} | {'other':>10} | {'other ms':>9} | {'ratio':>6} |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 12}|{'-' * 11}|{'-' * 8}|")
    for c in choices:
        flag = "" if c["ratio"] <= 1 else "  <- the other kernel is faster"
        print(f"| {c['pass']:<52} | {c['chosen_ms']:9.3f} | {c['forced']:>10} | {c['forced_ms']:9.3f} | "
              f"{c['ratio']:6.2f} |{flag}")


def _pass(whole_image, product, kernels):
    """ours(algorithm) for one pass of a layer. Where its window is the whole image (backend/whole_window.py) the
    CUDA backend runs a cuBLAS product, not a kernel of nanogan/_kernels.py: `product` then times the backend's
    function for the heuristic's and the benchmark's choice, and the kernels only where an algorithm forces them
    (the "(igemm)" row: what the product saves)."""
    if not whole_image:
        return kernels
    return lambda algorithm: product() if algorithm in ("auto", "benchmark") else kernels(algorithm)


def bench_convolutions(table, repeats, rng, batches):
    """The kernel wrappers of nanogan/_kernels.py on CuPy arrays: what the CUDA backend's conv functions run
    (and where a layer's window is its whole image, the backend's function itself: a cuBLAS product)."""
    from nanogan import _kernels as K
    from nanogan.backend import whole_window
    from nanogan.backend.cuda import conv
    from nanogan.backend.cuda._dispatch import kernel_library
    lib = kernel_library()
    aten = torch.ops.aten if torch else None
    no_dilation = (1, 1)
    for batch in batches:
        for name, _, cin, cout, size, k, s, p in CONV_LAYERS:
            x, w = _device_arrays(rng, (batch, cin, size, size), (cout, cin, k, k))
            geometry = ((s, s), (p, p), no_dilation)
            y = K.conv2d(lib, x, w, *geometry)
            (gy,) = _device_arrays(rng, y.shape)
            flops = 2 * batch * cout * y.shape[2] * y.shape[3] * cin * k * k
            tx, tw, tgy = _torch_views(x, w, gy) if torch else (None,) * 3
            torch_args = ([s, s], [p, p], [1, 1], False, [0, 0], 1)
            whole = whole_window.applies((size, size), (k, k), (p, p), no_dilation)
            label, alternatives = f"{name} (batch {batch})", _alternatives(lib, whole, cin, cout)
            _add_conv_rows(table, f"{label} forward",
                           _pass(whole, lambda: conv.conv2d(x, w, *geometry),
                                 lambda a: K.conv2d(lib, x, w, *geometry, algorithm=a)),
                           torch and (lambda: aten.convolution(tx, tw, None, *torch_args)), repeats, flops,
                           alternatives)
            _add_conv_rows(table, f"{label} dgrad",
                           _pass(whole, lambda: conv.conv2d_input_grad(gy, w, x.shape, *geometry),
                                 lambda a: K.conv2d_input_grad(lib, gy, w, x.shape, *geometry, algorithm=a)),
                           torch and (lambda: aten.convolution_backward(tgy, tx, tw, None, *torch_args,
                                                                        [True, False, False])), repeats, flops,
                           alternatives)
            _add_conv_rows(table, f"{label} wgrad",
                           _pass(whole, lambda: conv.conv2d_weight_grad(x, gy, w.shape, *geometry),
                                 lambda a: K.conv2d_weight_grad(lib, x, gy, w.shape, *geometry, algorithm=a)),
                           torch and (lambda: aten.convolution_backward(tgy, tx, tw, None, *torch_args,
                                                                        [False, True, False])), repeats, flops,
                           alternatives)
        for name, _, cin, cout, size, k, s, p, op in CONV_T_LAYERS:
            # the transposed convolution x (*)^T w is the input gradient of the convolution y (*) w
            x, w = _device_arrays(rng, (batch, cin, size, size), (cin, cout, k, k))
            out = (size - 1) * s - 2 * p + k + op
            y_shape = (batch, cout, out, out)
            geometry = ((s, s), (p, p), no_dilation)
            (gy,) = _device_arrays(rng, y_shape)
            flops = 2 * batch * cin * size * size * cout * k * k
            tx, tw, tgy = _torch_views(x, w, gy) if torch else (None,) * 3
            torch_args = ([s, s], [p, p], [1, 1], True, [op, op], 1)
            whole = whole_window.applies((out, out), (k, k), (p, p), no_dilation, (size, size))
            label, alternatives = f"{name} (batch {batch})", _alternatives(lib, whole, cin, cout)
            _add_conv_rows(table, f"{label} forward",
                           _pass(whole, lambda: conv.conv2d_input_grad(x, w, y_shape, *geometry),
                                 lambda a: K.conv_transpose2d(lib, x, w, *geometry[:2], (op, op), algorithm=a)),
                           torch and (lambda: aten.convolution(tx, tw, None, *torch_args)), repeats, flops,
                           alternatives)
            _add_conv_rows(table, f"{label} backward",
                           _pass(whole, lambda: (conv.conv2d(gy, w, *geometry),
                                                 conv.conv2d_weight_grad(gy, x, w.shape, *geometry)),
                                 lambda a: (K.conv_transpose2d_input_grad(lib, gy, w, x.shape, *geometry, algorithm=a),
                                            K.conv_transpose2d_weight_grad(lib, x, gy, w.shape, *geometry,
                                                                           algorithm=a))),
                           torch and (lambda: aten.convolution_backward(tgy, tx, tw, None, *torch_args,
                                                                        [True, True, False])), repeats, 2 * flops,
                           alternatives)


# ---- batch norm ---------------------------------------------------------------------------------------------

def _batch_norm_case(library, arrays, device):
    """(forward, backward, double backward) closures of training-mode batch norm on one library."""
    if library == "nanogan":
        x, w, b = (ng.tensor(a, requires_grad=True, device=device) for a in arrays[:3])
        gy, u = (ng.tensor(a, device=device) for a in arrays[3:])
        grad, no_grad, functional = ng.grad, ng.no_grad, F
        running = (ng.zeros(w.shape[0], device=device), ng.ones(w.shape[0], device=device))
    else:
        x, w, b = (torch.tensor(a, requires_grad=True, device=device) for a in arrays[:3])
        gy, u = (torch.tensor(a, device=device) for a in arrays[3:])
        grad, no_grad, functional = torch.autograd.grad, torch.no_grad, TF
        running = (torch.zeros(w.shape[0], device=device), torch.ones(w.shape[0], device=device))
    y = functional.batch_norm(x, *running, w, b, training=True)
    (dx,) = grad(y, [x], gy, create_graph=True)
    curvature = (dx * u).sum()

    def forward():
        with no_grad():
            functional.batch_norm(x, *running, w, b, training=True)

    return (forward, lambda: grad(y, [x, w, b], gy, retain_graph=True),
            lambda: grad(curvature, [x, w], retain_graph=True))


def bench_batch_norm(table, repeats, rng, batches):
    for batch in batches:
        for shape in BN_SHAPES:
            shape = (batch, *shape[1:])
            c = shape[1]
            arrays = [rng.standard_normal(s).astype(np.float32) for s in (shape, (c,), (c,), shape, shape)]
            ours = _batch_norm_case("nanogan", arrays, "cuda")
            theirs = _batch_norm_case("torch", arrays, "cuda") if torch else (None,) * 3
            nbytes = arrays[0].nbytes
            for label, o, t, traffic in zip(("forward", "backward", "double backward"), ours, theirs, (2, 3, None)):
                table.add(f"batch_norm {shape} {label}", *_pair(o, t, repeats),
                          bytes_moved=traffic and traffic * nbytes)


# ---- WGAN-GP steps ------------------------------------------------------------------------------------------

def _torch_models(arch):
    """PyTorch twins of nanogan's networks (same layers and sizes; weights need not match for timing)."""
    nn = torch.nn
    if arch == "wgan-gp mnist":
        dim = 64

        class CropTo7(nn.Module):
            def forward(self, x):
                return x[:, :, :7, :7]

        def up(cin, cout):
            return nn.ConvTranspose2d(cin, cout, 5, 2, 2, output_padding=1)
        generator = nn.Sequential(nn.Linear(128, 4 * 4 * 4 * dim), nn.ReLU(), nn.Unflatten(1, (4 * dim, 4, 4)),
                                  up(4 * dim, 2 * dim), nn.ReLU(), CropTo7(), up(2 * dim, dim), nn.ReLU(),
                                  up(dim, 1), nn.Sigmoid())
        critic = nn.Sequential(nn.Conv2d(1, dim, 5, 2, 2), nn.LeakyReLU(0.2), nn.Conv2d(dim, 2 * dim, 5, 2, 2),
                               nn.LeakyReLU(0.2), nn.Conv2d(2 * dim, 4 * dim, 5, 2, 2), nn.LeakyReLU(0.2),
                               nn.Flatten(), nn.Linear(4 * 4 * 4 * dim, 1))
        return generator, critic
    ngf = ndf = 64

    def up(cin, cout, stride=2, padding=1):
        return [nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    def down(cin, cout, batch_norm=True):
        return ([nn.Conv2d(cin, cout, 4, 2, 1, bias=False)] + ([nn.BatchNorm2d(cout)] if batch_norm else [])
                + [nn.LeakyReLU(0.2)])
    generator = nn.Sequential(nn.Unflatten(1, (100, 1, 1)), *up(100, ngf * 8, 1, 0), *up(ngf * 8, ngf * 4),
                              *up(ngf * 4, ngf * 2), *up(ngf * 2, ngf),
                              nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())
    critic = nn.Sequential(*down(3, ndf, False), *down(ndf, ndf * 2), *down(ndf * 2, ndf * 4),
                           *down(ndf * 4, ndf * 8), nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())
    return generator, critic


ARCHITECTURES = {  # name: (nanogan generator, nanogan critic, image shape, latent size)
    "wgan-gp mnist": (models.WGANGPMNISTGenerator, models.WGANGPMNISTCritic, (1, 28, 28), 128),
    "dcgan64": (models.DCGAN64Generator, models.DCGAN64Discriminator, (3, 64, 64), 100),
}


class Training:
    """One library's WGAN-GP networks, Adam optimisers and static input buffers, and its two steps."""

    def __init__(self, library, arch, batch, rng, capturable=False, device="cuda"):
        make_generator, make_critic, image, latent = ARCHITECTURES[arch]
        host = {"real": rng.random((batch, *image)), "z": rng.standard_normal((batch, latent)),
                "eps": rng.random((batch, 1, 1, 1))}
        if library == "nanogan":
            self.G, self.D = make_generator().to(device), make_critic().to(device)
            # capturable for graphs: the step count stays on the GPU, so a replay trains as an eager step does
            self.opt_g, self.opt_d = (optim.Adam(m.parameters(), **ADAM, capturable=capturable)
                                      for m in (self.G, self.D))
            self.grad, self.no_grad = ng.grad, ng.no_grad
            self.unit_norm_penalty = unit_norm_penalty  # what nanogan.gan.gradient_penalty uses
            self.buffers = {k: ng.tensor(v.astype(np.float32), device=device) for k, v in host.items()}
        else:
            self.G, self.D = (m.cuda() for m in _torch_models(arch))
            self.opt_g, self.opt_d = (torch.optim.Adam(m.parameters(), **ADAM) for m in (self.G, self.D))
            self.grad, self.no_grad = torch.autograd.grad, torch.no_grad
            self.unit_norm_penalty = lambda g: (g.flatten(1).norm(dim=1) - 1) ** 2
            self.buffers = {k: torch.tensor(v, dtype=torch.float32, device="cuda") for k, v in host.items()}

    def critic_step(self, with_penalty=True):
        """Gulrajani et al. 2017, Algorithm 1, lines 3-9 for one batch; without the penalty, the plain
        Wasserstein critic step it is compared with."""
        real, z, eps = self.buffers["real"], self.buffers["z"], self.buffers["eps"]
        self.opt_d.zero_grad()
        with self.no_grad():
            fake = self.G(z)
        loss = self.D(fake).mean() - self.D(real).mean()
        if with_penalty:
            x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_()
            (g,) = self.grad(self.D(x_hat).sum(), [x_hat], create_graph=True)
            loss = loss + PENALTY_WEIGHT * self.unit_norm_penalty(g).mean()
        loss.backward()
        self.opt_d.step()
        return loss

    def plain_critic_step(self):
        return self.critic_step(with_penalty=False)

    def generator_step(self):
        self.opt_g.zero_grad()
        loss = -self.D(self.G(self.buffers["z"])).mean()
        loss.backward()
        self.opt_g.step()
        return loss

    def iteration(self):
        for _ in range(CRITIC_STEPS):
            self.critic_step()
        return self.generator_step()


def bench_steps(table, repeats, rng, batches):
    from nanogan.backend.cuda import graphs
    for arch in ARCHITECTURES:
        for batch in batches:
            ours = Training("nanogan", arch, batch, rng)
            graphed = Training("nanogan", arch, batch, rng, capturable=True)
            theirs = Training("torch", arch, batch, rng) if torch else None
            label = f"{arch} (batch {batch})"
            eager = {}
            # the generator step too: an iteration should take about CRITIC_STEPS critic steps and one of these
            # (DCGAN-64's at 2bca2e6 took 102 ms more than its five critic steps)
            for step_name, what in (("plain_critic_step", "critic step without penalty"), ("critic_step", "critic step"),
                                    ("generator_step", "generator step"),
                                    ("iteration", f"iteration ({CRITIC_STEPS} critic + 1 G)")):
                runs = max(3, repeats // (CRITIC_STEPS if step_name == "iteration" else 1))
                ours_ms, theirs_ms = _pair(getattr(ours, step_name), theirs and getattr(theirs, step_name), runs)
                eager[step_name] = (ours_ms, theirs_ms)
                table.add(f"{label} {what}", ours_ms, theirs_ms)
                if step_name == "critic_step":  # what the penalty costs: penalty step / plain step, on each side
                    (plain_ours, plain_theirs), penalty_theirs = eager["plain_critic_step"], theirs_ms
                    print(f"  {label}: penalty step / plain step = {ours_ms / plain_ours:.2f} nanogan, "
                          + (f"{penalty_theirs / plain_theirs:.2f} torch" if theirs else "torch not timed"))
                    table.rows.append({"op": f"{label} penalty step / plain step", "nanogan": ours_ms / plain_ours,
                                       "torch": penalty_theirs / plain_theirs if theirs else None})
                try:
                    replay = graphs.capture(getattr(graphed, step_name), warmup=2).replay
                except RuntimeError as err:
                    print(f"  {label} {what}: not capturable as a CUDA graph: {err}")
                    continue
                table.add(f"{label} {what}, graph", median_ms(replay, _cupy_events(), runs), theirs_ms)


# ---- main -----------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 repeats instead of 20")
    parser.add_argument("--only", choices=["conv", "bn", "steps"], help="one group only")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--peak-tflops", type=float, help="the GPU's FP32 peak, if the table does not know it")
    parser.add_argument("--json", help="where to write the rows (default: benchmarks/results/bench_cuda_<date>.json)")
    parser.add_argument("--choices", metavar="JSON", help="only print the kernel choices of an earlier run's rows "
                                                             "(no GPU needed)")
    args = parser.parse_args()
    if args.choices:
        with open(args.choices) as f:
            choices = kernel_choices(json.load(f)["rows"])
        if not choices:  # a run from before the "(auto)", "(igemm)" and "(igemm_wide)" rows
            sys.exit(f"bench_cuda: {args.choices} has no rows of one pass under two kernel choices")
        print_kernel_choices(choices)
        return
    try:
        ng.backend.get("cuda")
    except RuntimeError as err:
        sys.exit(f"bench_cuda: {err}")
    if torch:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True  # cuDNN picks its fastest algorithm per shape, as trainers do
    from nanogan.backend.cuda import conv
    conv.benchmark = True  # and so does nanogan (the conv rows set algorithm= themselves)
    facts = device_facts(args.peak_tflops)
    repeats = 5 if args.quick else 20
    rng = np.random.default_rng(0)
    print(f"{facts['gpu']} (sm {facts['compute_capability']}, {facts['sms']} SMs), FP32 peak "
          f"{facts['fp32_peak_gflops'] or 0:.0f} GFLOP/s, memory {facts['memory_peak_gbps'] or 0:.0f} GB/s; "
          f"torch {torch.__version__ + ' cuDNN ' + str(torch.backends.cudnn.version()) if torch else 'without CUDA'}; "
          f"{platform.node()}, {time.strftime('%Y-%m-%d')}")
    table = Table(facts["fp32_peak_gflops"], facts["memory_peak_gbps"])
    path = args.json or os.path.join(RESULTS, f"bench_cuda_{time.strftime('%Y-%m-%d')}.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    groups = [(name, bench) for name, bench in (("conv", bench_convolutions), ("bn", bench_batch_norm),
                                                 ("steps", bench_steps)) if args.only in (None, name)]
    for name, bench in groups:
        bench(table, repeats, rng, args.batches)
        if name == "conv":
            print_kernel_choices(kernel_choices(table.rows))
        # after every group: a run cut short by a time limit (a lent GPU's) keeps the groups it finished
        _write_rows(path, facts, repeats, table.rows, finished=name == groups[-1][0])
    print(f"wrote {path}")


def _write_rows(path, facts, repeats, rows, finished):
    record = {"date": time.strftime("%Y-%m-%d"), "commit": provenance.commit(), "device": facts,
              "torch": torch.__version__ if torch else None, "repeats": repeats, "finished": finished, "rows": rows,
              "kernel_choices": kernel_choices(rows)}
    # never a half-written file where the last whole one was
    write_atomically(path, lambda f: f.write(json.dumps(record, indent=1).encode()))


if __name__ == "__main__":
    main()
