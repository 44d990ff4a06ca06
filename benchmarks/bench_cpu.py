"""CPU microbenchmarks of nanogan's hot ops against PyTorch on the same machine.

    python benchmarks/bench_cpu.py                 # the full table (a few minutes on 2 cores)
    python benchmarks/bench_cpu.py --quick         # fewer repeats
    python benchmarks/bench_cpu.py --json out.json # also write the rows as JSON

Each line: nanogan's median time, PyTorch's median time (when torch is installed) and their ratio
(nanogan / torch: below 1 is faster). Both sides run in float32 with the same number of threads.
Shapes: the official WGAN-GP MNIST critic (batch 64; 1→64→128→256 channels, 5x5 kernels, stride 2,
padding 2, on 28x28) and generator, and the 64x64 DCGAN of the PyTorch tutorial (4x4 kernels).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

import nanogan as ng
import nanogan.nn.functional as F
import provenance

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = None

# (name, batch, in_channels, out_channels, input size, kernel, stride, padding)
CONV_LAYERS = [
    ("wgan-gp critic conv1", 64, 1, 64, 28, 5, 2, 2),
    ("wgan-gp critic conv2", 64, 64, 128, 14, 5, 2, 2),
    ("wgan-gp critic conv3", 64, 128, 256, 7, 5, 2, 2),
    ("dcgan64 D conv1", 64, 3, 64, 64, 4, 2, 1),
    ("dcgan64 D conv2", 64, 64, 128, 32, 4, 2, 1),
    ("dcgan64 D conv3", 64, 128, 256, 16, 4, 2, 1),
    ("dcgan64 D conv4", 64, 256, 512, 8, 4, 2, 1),
    ("dcgan64 D conv5", 64, 512, 1, 4, 4, 1, 0),  # the window is the whole image: a matrix product
]
# (name, batch, in_channels, out_channels, input size, kernel, stride, padding, output_padding)
CONV_T_LAYERS = [
    ("wgan-gp G deconv1", 64, 256, 128, 4, 5, 2, 2, 1),
    ("wgan-gp G deconv2", 64, 128, 64, 7, 5, 2, 2, 1),
    ("wgan-gp G deconv3", 64, 64, 1, 14, 5, 2, 2, 1),
    ("dcgan64 G deconv1", 64, 100, 512, 1, 4, 1, 0, 0),  # from 1x1: the window is the whole output, a product
    ("dcgan64 G deconv2", 64, 512, 256, 4, 4, 2, 1, 0),
    ("dcgan64 G deconv3", 64, 256, 128, 8, 4, 2, 1, 0),
    ("dcgan64 G deconv4", 64, 128, 64, 16, 4, 2, 1, 0),
    ("dcgan64 G deconv5", 64, 64, 3, 32, 4, 2, 1, 0),
]
BN_SHAPES = [(64, 128, 14, 14), (64, 256, 7, 7), (64, 128, 16, 16)]


def median_time(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, ours, theirs):
        ratio = ours / theirs if theirs else None
        self.rows.append({"op": name, "nanogan_ms": ours * 1e3, "torch_ms": theirs * 1e3 if theirs else None,
                          "ratio": ratio})
        theirs_s = f"{theirs * 1e3:9.2f}" if theirs else "        -"
        ratio_s = f"{ratio:6.2f}" if ratio else "     -"
        print(f"| {name:<44} | {ours * 1e3:9.2f} | {theirs_s} | {ratio_s} |", flush=True)


def _pair(ours_fn, theirs_fn, repeats):
    ours = median_time(ours_fn, repeats)
    theirs = median_time(theirs_fn, repeats) if theirs_fn else None
    return ours, theirs


def _inputs(rng, *shapes):
    arrays = [rng.standard_normal(s).astype(np.float32) * 0.1 for s in shapes]
    ours = [ng.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays] if torch else None
    return ours, theirs


def bench_convolutions(table, repeats, rng):
    for name, n, cin, cout, size, k, s, p in CONV_LAYERS:
        (x, w), t = _inputs(rng, (n, cin, size, size), (cout, cin, k, k))
        y = F.conv2d(x, w, stride=s, padding=p)
        gy = ng.tensor(rng.standard_normal(y.shape).astype(np.float32))
        if t:
            tx, tw = t
            ty = TF.conv2d(tx, tw, stride=s, padding=p)
            tgy = torch.tensor(gy.numpy())
        with ng.no_grad():
            table.add(f"{name} forward", *_pair(lambda: F.conv2d(x, w, stride=s, padding=p),
                                                 t and (lambda: _no_grad(TF.conv2d, tx, tw, stride=s, padding=p)),
                                                 repeats))
        table.add(f"{name} input-grad", *_pair(lambda: ng.grad(y, x, gy, retain_graph=True),
                                                t and (lambda: torch.autograd.grad(ty, tx, tgy, retain_graph=True)),
                                                repeats))
        table.add(f"{name} weight-grad", *_pair(lambda: ng.grad(y, w, gy, retain_graph=True),
                                                 t and (lambda: torch.autograd.grad(ty, tw, tgy, retain_graph=True)),
                                                 repeats))
    for name, n, cin, cout, size, k, s, p, op in CONV_T_LAYERS:
        (x, w), t = _inputs(rng, (n, cin, size, size), (cin, cout, k, k))
        kw = dict(stride=s, padding=p, output_padding=op)
        y = F.conv_transpose2d(x, w, **kw)
        gy = ng.tensor(rng.standard_normal(y.shape).astype(np.float32))
        if t:
            tx, tw = t
            ty = TF.conv_transpose2d(tx, tw, **kw)
            tgy = torch.tensor(gy.numpy())
        with ng.no_grad():
            table.add(f"{name} forward", *_pair(lambda: F.conv_transpose2d(x, w, **kw),
                                                 t and (lambda: _no_grad(TF.conv_transpose2d, tx, tw, **kw)),
                                                 repeats))
        table.add(f"{name} backward", *_pair(lambda: ng.grad(y, [x, w], gy, retain_graph=True),
                                              t and (lambda: torch.autograd.grad(ty, [tx, tw], tgy, retain_graph=True)),
                                              repeats))


def _no_grad(fn, *args, **kwargs):
    with torch.no_grad():
        return fn(*args, **kwargs)


def bench_batch_norm(table, repeats, rng):
    for shape in BN_SHAPES:
        c = shape[1]
        (x, w, b), t = _inputs(rng, shape, (c,), (c,))
        mean, var = ng.zeros(c), ng.ones(c)
        y = F.batch_norm(x, mean, var, w, b, training=True)
        gy = ng.tensor(rng.standard_normal(shape).astype(np.float32))
        if t:
            tx, tw, tb = t
            tmean, tvar = torch.zeros(c), torch.ones(c)
            ty = TF.batch_norm(tx, tmean, tvar, tw, tb, training=True)
            tgy = torch.tensor(gy.numpy())
        with ng.no_grad():
            table.add(f"batch_norm {shape} forward",
                      *_pair(lambda: F.batch_norm(x, mean, var, w, b, training=True),
                             t and (lambda: _no_grad(TF.batch_norm, tx, tmean, tvar, tw, tb, training=True)), repeats))
        table.add(f"batch_norm {shape} backward",
                  *_pair(lambda: ng.grad(y, [x, w, b], gy, retain_graph=True),
                         t and (lambda: torch.autograd.grad(ty, [tx, tw, tb], tgy, retain_graph=True)), repeats))


def _critic(F_, params, x, batch_norm):
    """The official WGAN-GP MNIST critic (DIM=64), optionally with batch norm after conv2 and conv3."""
    h = x
    for i, (w, b) in enumerate(params[:3]):
        h = F_.conv2d(h, w, b, stride=2, padding=2)
        if batch_norm and i > 0:
            h = F_.batch_norm(h, None, None, training=True)
        h = F_.leaky_relu(h, 0.2)
    w, b = params[3]
    return F_.linear(h.reshape(h.shape[0], -1), w, b)


def _critic_params(rng, lib_tensor, dim=64):
    shapes = [((dim, 1, 5, 5), (dim,)), ((2 * dim, dim, 5, 5), (2 * dim,)), ((4 * dim, 2 * dim, 5, 5), (4 * dim,)),
              ((1, 4 * 4 * 4 * dim), (1,))]
    return [tuple(lib_tensor((rng.standard_normal(s) * 0.05).astype(np.float32)) for s in pair) for pair in shapes]


def critic_step(F_, grad, params, real, fake, eps, batch_norm, penalty):
    """One critic loss + backward: D(fake) - D(real) [+ 10 (‖∇D(x̂)‖ - 1)²], on either library."""
    loss = _critic(F_, params, fake, batch_norm).mean() - _critic(F_, params, real, batch_norm).mean()
    if penalty:
        x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_()
        (g,) = grad(_critic(F_, params, x_hat, batch_norm).sum(), [x_hat], create_graph=True)
        loss = loss + 10 * ((g.reshape(g.shape[0], -1) ** 2).sum(1).sqrt() - 1).pow(2).mean()
    loss.backward()


def bench_critic_steps(table, repeats, rng, batch=64):
    arrays = [rng.random(shape).astype(np.float32)
              for shape in [(batch, 1, 28, 28), (batch, 1, 28, 28), (batch, 1, 1, 1)]]
    ours = (_critic_params(np.random.default_rng(0), lambda a: ng.tensor(a, requires_grad=True)),
            *[ng.tensor(a) for a in arrays])
    if torch:
        theirs = (_critic_params(np.random.default_rng(0), lambda a: torch.tensor(a, requires_grad=True)),
                  *[torch.tensor(a) for a in arrays])
    for batch_norm in (False, True):
        times = {}
        for penalty in (False, True):
            label = f"WGAN-GP {'BN ' if batch_norm else ''}critic step{' + penalty' if penalty else ''}"
            times[penalty] = _pair(lambda: critic_step(F, ng.grad, *ours, batch_norm, penalty),
                                   torch and (lambda: critic_step(TF, torch.autograd.grad, *theirs, batch_norm,
                                                                  penalty)), repeats)
            table.add(label, *times[penalty])
        ours_ratio = times[True][0] / times[False][0]
        theirs_ratio = f", torch {times[True][1] / times[False][1]:.2f}" if torch else ""
        print(f"penalty-step / plain-step ratio{' (batch-norm critic)' if batch_norm else ''}: "
              f"nanogan {ours_ratio:.2f}{theirs_ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 10")
    parser.add_argument("--only", choices=["conv", "bn", "critic"], help="one group only")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    threads = os.cpu_count()
    if torch:
        torch.set_num_threads(threads)
    repeats = 3 if args.quick else 10
    rng = np.random.default_rng(0)
    machine = provenance.cpu_machine()
    print(f"machine: {machine['processor']}, {threads} threads (OpenBLAS kernels: {machine['openblas_kernels']}); "
          f"torch {torch.__version__ if torch else 'not installed'}; {time.strftime('%Y-%m-%d')}")
    print(f"| {'op (float32, batch 64)':<44} | {'nanogan ms':>9} | {'torch ms':>9} | {'ratio':>6} |")
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 11}|{'-' * 8}|")
    table = Table()
    if args.only in (None, "conv"):
        bench_convolutions(table, repeats, rng)
    if args.only in (None, "bn"):
        bench_batch_norm(table, repeats, rng)
    if args.only in (None, "critic"):
        bench_critic_steps(table, max(3, repeats // 2), rng)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "commit": provenance.commit(), "machine": machine,
                       "threads": threads, "torch": torch.__version__ if torch else None, "repeats": repeats,
                       "rows": table.rows}, f, indent=1)


if __name__ == "__main__":
    main()
