#!/bin/bash
# One call on a lent GPU machine: build the CUDA extension, verify, run the examples briefly, benchmark.
#
#   bash benchmarks/gpu_session.sh OUT_DIR [STAGE ...]
#   STAGE: build verify examples memory profile bench (default: all, in this order; else in the order given)
#
# Every log and record goes to OUT_DIR (the device tool brings back at most 8 files): setup.log (machine and
# build), verify.log + verify.json, examples.log, memory.json, profile.txt, bench.log + bench.json.
#   memory   examples/wgan_gp_mnist.py --full $MEMORY_ARGS for $MEMORY_ITERS (1000) iterations, and the GPU
#            memory its arrays hold over the run (the trainer logs it)
#   profile  cProfile of eager WGAN-GP critic steps: where the host's time goes; then count_nodes.py --timed: the
#            host time of each kind of autograd function in every eager step, at batch 64
# MNIST is read from $NANOGAN_DATA, by default .data/ in the tree. The device machine sees only the repository, so
# before the call: `mkdir -p .data/mnist && cp ../shared/data/mnist/* .data/mnist/`, `/.data/` in
# .git/info/exclude, and `.data` named in the call's carry. NANOGAN_COMMIT names
# the commit the records cite (the device copy's .git is the one its session started with). Each stage has a
# time limit, so that one hung stage cannot cost the others their turn; a stage stopped by its limit keeps what
# it measured (verify.json lists the tests that ran; bench.json is rewritten after each group of rows).
#
# Rehearsal without a GPU: NANOGAN_FAKE_CUPY=1 runs the stages on tests/fake_cupy.py (tests/fake_cupy_site/), so a
# broken stage shows before device minutes are spent on it; e.g. `NANOGAN_FAKE_CUPY=1 BENCH_ARGS="--quick
# --batches 2" bash benchmarks/gpu_session.sh /tmp/out profile bench`. Its numbers mean nothing; verify is then
# the CI's fake pass (the kernels on the host emulation, nanogan._C's tests skipped).
set -u
OUT=${1:?usage: gpu_session.sh OUT_DIR [STAGE ...]}; shift
STAGES=${*:-build verify examples memory profile bench}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD NANOGAN_DATA=${NANOGAN_DATA:-$PWD/.data}
if [ "${NANOGAN_FAKE_CUPY:-0}" != 0 ]; then
  PYTHONPATH=$PWD/tests/fake_cupy_site:$PYTHONPATH
fi
PY=${PYTHON:-python3}
mkdir -p "$OUT"
stamp() { echo "== $(date +%T) $*"; }

{ stamp env; nvidia-smi; $PY -c "import sys, numpy, cupy, numba; print(sys.version); print('numpy', numpy.__version__,
'cupy', cupy.__version__, 'numba', numba.__version__)"; $PY -c "import torch; print('torch', torch.__version__,
torch.version.cuda, torch.backends.cudnn.version())"; nvcc --version | tail -1; } > "$OUT/setup.log" 2>&1

stage_build() {
  stamp build
  NANOGAN_CUDA_ARCHS=${NANOGAN_CUDA_ARCHS:-90} timeout ${BUILD_TIMEOUT:-400} $PY setup.py build_ext --inplace --parallel 2 >> "$OUT/setup.log" 2>&1
  echo "build rc=$?" | tee -a "$OUT/setup.log"
}

stage_verify() {
  stamp verify
  timeout ${VERIFY_TIMEOUT:-420} $PY benchmarks/verify_gpu.py --json "$OUT/verify.json" \
    -- --tb=short -p no:cacheprovider ${VERIFY_ARGS:-} > "$OUT/verify.log" 2>&1
  echo "verify rc=$?"; tail -3 "$OUT/verify.log"
}

stage_examples() {
  stamp examples
  for ex in "wgan_gp_mnist --iters ${EXAMPLE_ITERS:-200}" "wgan_gp_mnist --iters ${EXAMPLE_ITERS:-200} --cuda-graph" \
            "wgan_gp_mnist --full --iters 300" "wgan_gp_mnist --full --iters 300 --cuda-graph" \
            "dcgan_mnist --iters 50" "cgan_mnist --iters 50" "wgan_clip_mnist --iters 50" "gan_toy2d --iters 200" \
            "gan_toy2d --iters 200 --cuda-graph"; do
    echo "-- $ex"
    timeout 240 $PY examples/${ex%% *}.py ${ex#* } --device cuda --out "/tmp/runs/${ex%% *}" --overwrite 2>&1 | tr '\r' '\n' | grep -v 'it/s' | tail -8
  done > "$OUT/examples.log" 2>&1
  grep -h "^result:\|Error\|error" "$OUT/examples.log"
}

stage_memory() {
  stamp memory
  timeout ${MEMORY_TIMEOUT:-300} $PY examples/wgan_gp_mnist.py --full --iters ${MEMORY_ITERS:-1000} --device cuda \
    ${MEMORY_ARGS:-} --out /tmp/runs/memory --overwrite > /dev/null 2>&1
  echo "memory rc=$?"
  $PY - "$OUT/memory.json" <<'PY'
import json, sys
log = [json.loads(line) for line in open("/tmp/runs/memory/log.jsonl")]
used = [(r["iteration"], r["gpu_memory_mb"]) for r in log]
late = [mb for it, mb in used if it > 10]
summary = {"iterations": len(used), "peak_mb": max(mb for _, mb in used), "first_mb": used[0][1],
           "last_mb": used[-1][1], "after_10_iterations": {"min_mb": min(late), "max_mb": max(late)} if late else None,
           "wall_s": log[-1]["wall_time"], "every_100": [u for u in used if u[0] % 100 == 0]}
json.dump(summary, open(sys.argv[1], "w"), indent=1)
print({k: v for k, v in summary.items() if k != "every_100"})
PY
}

stage_profile() {
  stamp profile
  timeout 120 $PY - > "$OUT/profile.txt" 2>&1 <<'PY'
import cProfile, pstats, sys
sys.path[:0] = ["benchmarks"]
import numpy as np
import bench_cuda
training = bench_cuda.Training("nanogan", "wgan-gp mnist", 64, np.random.default_rng(0))
for _ in range(5):
    training.critic_step()
profile = cProfile.Profile()
profile.enable()
for _ in range(20):
    training.critic_step()
training.opt_d.param_groups[0]["params"][0].numpy()
profile.disable()
stats = pstats.Stats(profile)
stats.sort_stats("tottime").print_stats(45)
stats.sort_stats("cumtime").print_stats(45)
PY
  echo "profile rc=$?"
  timeout 120 $PY benchmarks/count_nodes.py --device cuda --batch 64 --timed >> "$OUT/profile.txt" 2>&1
  echo "count_nodes rc=$?"; grep "ms a step" "$OUT/profile.txt"
}

stage_bench() {
  stamp bench
  timeout ${BENCH_TIMEOUT:-400} $PY benchmarks/bench_cuda.py ${BENCH_ARGS:-} --json "$OUT/bench.json" > "$OUT/bench.log" 2>&1
  echo "bench rc=$?"; tail -60 "$OUT/bench.log"
}
for stage in $STAGES; do stage_$stage; done
stamp done
