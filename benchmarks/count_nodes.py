"""How much host work one eager training step is: the autograd functions it applies, by kind, counted on the CPU.

    python benchmarks/count_nodes.py                 # both architectures of bench_cuda.py's "steps"
    python benchmarks/count_nodes.py --json out.json

On the GPU an eager step is bound by the host (benchmarks/README.md, "Targets"): every autograd function is a
Python call plus its array operations and kernel launches, and the H100 finishes the kernels before the next
function is issued. So the number of functions a step applies is what its eager time scales with, and it can be
counted on any machine: the steps are bench_cuda.py's own (the critic step with the gradient penalty, the same
step without it, and the generator step), run on the CPU backend with every Function.apply counted. The counts
do not depend on the batch size or the device.
"""
import argparse
import collections
import datetime
import json
import subprocess
import sys

import numpy as np

import bench_cuda
from nanogan.autograd.function import Function


def count_applies(step):
    """{Function name: applications} during one call of step()."""
    counts = collections.Counter()
    original = Function.apply.__func__

    def counting(cls, *inputs, **attrs):
        counts[cls.__name__] += 1
        return original(cls, *inputs, **attrs)

    Function.apply = classmethod(counting)
    try:
        step()
    finally:
        Function.apply = classmethod(original)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the counts here as JSON")
    args = parser.parse_args()
    rows = []
    for arch in bench_cuda.ARCHITECTURES:
        training = bench_cuda.Training("nanogan", arch, 2, np.random.default_rng(0), device="cpu")
        training.iteration()  # optimiser state exists, as in every later step
        for name, step in (("critic step", training.critic_step), ("critic step without penalty",
                                                                     training.plain_critic_step),
                           ("generator step", training.generator_step)):
            counts = count_applies(step)
            rows.append({"step": f"{arch} {name}", "functions": sum(counts.values()), "by_kind": dict(counts.most_common())})
            kinds = ", ".join(f"{k} {v}" for k, v in counts.most_common())
            print(f"{arch} {name}: {sum(counts.values())} functions ({kinds})")
    if args.json:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "commit": commit, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
