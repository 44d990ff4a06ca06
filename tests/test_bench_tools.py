"""The benchmark scripts' bookkeeping, on rows made up here (the timings themselves need a GPU)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
bench_cuda = pytest.importorskip("bench_cuda")


def test_kernel_choices_pair_each_forced_row_with_the_choice_it_was_timed_against():
    """Rows from before the benchmark mode: a pass's own row is the heuristic's kernel."""
    rows = [
        {"op": "critic conv1 (batch 64) dgrad", "nanogan_ms": 0.2, "torch_ms": 0.1},
        {"op": "critic conv1 (batch 64) dgrad (igemm)", "nanogan_ms": 0.4, "torch_ms": 0.1},
        {"op": "critic conv1 (batch 64) dgrad (igemm_wide)", "nanogan_ms": 0.5, "torch_ms": 0.1},
        {"op": "G deconv2 (batch 64) forward", "nanogan_ms": 0.3, "torch_ms": 0.2},
        {"op": "G deconv2 (batch 64) forward (igemm_wide)", "nanogan_ms": 0.25, "torch_ms": 0.2},
        {"op": "G deconv3 (batch 64) forward", "nanogan_ms": 0.1, "torch_ms": 0.2},  # no forced twin
        {"op": "critic (batch 64) penalty step / plain step", "nanogan": 1.6, "torch": 1.8},  # a ratio row
    ]
    choices = bench_cuda.kernel_choices(rows)
    assert [(c["pass"], c["forced"]) for c in choices] == [
        ("critic conv1 (batch 64) dgrad", "igemm"), ("critic conv1 (batch 64) dgrad", "igemm_wide"),
        ("G deconv2 (batch 64) forward", "igemm_wide")]
    assert [c["ratio"] for c in choices] == pytest.approx([0.5, 0.4, 1.2])


def test_kernel_choices_compare_the_heuristic_with_the_fastest_kernel_and_the_forced_ones():
    """A pass's own row is the fastest kernel (algorithm="benchmark"); its "(auto)" row the heuristic's, which
    every other row of the pass is compared with."""
    rows = [
        {"op": "critic conv1 (batch 64) dgrad", "nanogan_ms": 0.2, "torch_ms": 0.1},
        {"op": "critic conv1 (batch 64) dgrad (auto)", "nanogan_ms": 0.3, "torch_ms": 0.1},
        {"op": "critic conv1 (batch 64) dgrad (igemm)", "nanogan_ms": 0.2, "torch_ms": 0.1},
        {"op": "G deconv1 (batch 64) forward", "nanogan_ms": 0.5, "torch_ms": 0.4},
        {"op": "G deconv1 (batch 64) forward (auto)", "nanogan_ms": 0.5, "torch_ms": 0.4},
    ]
    choices = bench_cuda.kernel_choices(rows)
    assert [(c["pass"], c["chosen_ms"], c["forced"], c["forced_ms"]) for c in choices] == [
        ("critic conv1 (batch 64) dgrad", 0.3, "benchmark", 0.2), ("critic conv1 (batch 64) dgrad", 0.3, "igemm", 0.2),
        ("G deconv1 (batch 64) forward", 0.5, "benchmark", 0.5)]
    assert [c["ratio"] for c in choices] == pytest.approx([1.5, 1.5, 1.0])


def test_launches_names_the_kernels_a_call_launches_and_gives_the_library_its_method_back():
    class Library:
        def launch(self, name, grid, block, *args):
            self.last = name
    lib = Library()
    launched = bench_cuda._launches(lib, lambda: (lib.launch("a", (1, 2, 3), 32, 0.5), lib.launch("b", 4, 32)))
    assert launched == ["a<<<(1, 2, 3)>>>", "b<<<4>>>"]
    assert lib.last == "b" and "launch" not in vars(lib)


def test_host_cost_tells_numpy_arithmetic_and_bulk_memory_from_the_interpreter():
    """Lines as callgrind_annotate prints them: the fake's numpy loops and memset stand in for the device's work;
    the interpreter's functions (and a Python object named like a loop) are the host's."""
    host_cost = pytest.importorskip("host_cost")
    listing = """\
54,829,885 (23.43%)  Python/ceval.c:_PyEval_EvalFrameDefault'2 [/usr/lib/libpython3.11.so]
13,661,278 ( 5.84%)  ???:FLOAT_add_X86_V3 [/site-packages/numpy/_core/_multiarray_umath.so]
11,350,682 ( 4.85%)  ./string/memset-vec-unaligned-erms.S:__memset_avx2_unaligned_erms [/usr/lib/libc.so.6]
 2,674,320 ( 1.14%)  ???:DOUBLE_pairwise_sum [/site-packages/numpy/_core/_multiarray_umath.so]
 4,955,285 ( 2.12%)  Objects/dictobject.c:_Py_dict_lookup [/usr/lib/libpython3.11.so]
    12,000 ( 0.01%)  Objects/floatobject.c:float_add [/usr/lib/libpython3.11.so]
"""
    assert host_cost.arithmetic_instructions(listing) == 13_661_278 + 11_350_682 + 2_674_320


def test_verification_record_lists_a_test_as_passed_only_once_its_call_passed():
    """verify_gpu's outcomes, from pytest's reports phase by phase: a test stopped inside its call (a time limit's
    SIGTERM) did not pass, and a failed teardown fails a test whose call passed."""
    from types import SimpleNamespace
    verify_gpu = pytest.importorskip("verify_gpu")

    def report(nodeid, when, outcome):
        return SimpleNamespace(nodeid=nodeid, when=when, passed=outcome == "passed", failed=outcome == "failed",
                               skipped=outcome == "skipped")
    outcomes = verify_gpu.Outcomes()
    for nodeid, phases in {"t::passes": ["passed"] * 3, "t::stopped": ["passed"],
                           "t::fails": ["passed", "failed", "passed"], "t::skipped": ["skipped", "passed"],
                           "t::teardown fails": ["passed", "passed", "failed"]}.items():
        for when, outcome in zip(("setup", "call", "teardown"), phases):
            outcomes.pytest_runtest_logreport(report(nodeid, when, outcome))
    assert outcomes.tests == {"t::passes": "passed", "t::fails": "failed", "t::skipped": "skipped",
                              "t::teardown fails": "failed"}


def test_gpu_session_rehearses_its_profile_and_bench_stages_on_the_fake_cupy(tmp_path):
    """benchmarks/gpu_session.sh as a lent GPU runs it, with NANOGAN_FAKE_CUPY=1 (tests/fake_cupy.py for CuPy,
    kernels counted, not run): a lent GPU's minutes are not spent on a stage that crashes. Each convolution pass
    has its fastest kernel's row and its alternatives; a pass whose window is the whole image runs one cuBLAS
    product whichever way it is chosen, so it has no "(auto)" row repeating its own, only the implicit GEMM it
    saves."""
    import json
    import subprocess
    from bench_cpu import CONV_LAYERS, CONV_T_LAYERS
    from nanogan.backend import whole_window
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NANOGAN_FAKE_CUPY="1", BENCH_ARGS="--quick --batches 2", PYTHON=sys.executable)
    run = subprocess.run(["bash", "benchmarks/gpu_session.sh", str(tmp_path), "profile", "bench"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert "profile rc=0" in run.stdout and "count_nodes rc=0" in run.stdout and "bench rc=0" in run.stdout, (
        run.stdout[-3000:])
    assert (tmp_path / "profile.txt").read_text().count("ms a step") == 6  # 3 steps of each architecture
    path = tmp_path / "bench.json"
    record = json.loads(path.read_text())
    assert record["finished"] and record["device"]["gpu"] == "fake H100 (numpy)"
    ops = {row["op"] for row in record["rows"]}
    layers = [(name, (size, size), k, p, None) for name, _, _, _, size, k, _, p in CONV_LAYERS] + [
        (name, ((size - 1) * s - 2 * p + k + op,) * 2, k, p, (size, size))
        for name, _, _, _, size, k, s, p, op in CONV_T_LAYERS]
    whole_layers = 0
    for name, out_size, k, p, in_size in layers:
        whole = whole_window.applies(out_size, (k, k), (p, p), (1, 1), in_size or (1, 1))
        whole_layers += whole
        for direction in (("forward", "backward") if in_size else ("forward", "dgrad", "wgrad")):
            label = f"{name} (batch 2) {direction}"
            assert label in ops
            assert (f"{label} (auto)" in ops) == (not whole), label
            assert f"{label} (igemm)" in ops or not whole, label
    assert whole_layers == 2  # DCGAN-64's last critic layer and first generator layer
    assert {"wgan-gp mnist (batch 2) iteration (5 critic + 1 G)", "dcgan64 (batch 2) iteration (5 critic + 1 G), graph",
            "batch_norm (2, 256, 7, 7) double backward"} <= ops
