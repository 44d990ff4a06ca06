"""WGAN-GP's training steps replayed from CUDA graphs: what `Trainer(..., cuda_graph=True)` runs.

At MNIST sizes a critic step is a few hundred small kernels, and launching them one by one from Python takes
longer than the GPU needs to run them (benchmarks/README.md). nanogan.backend.cuda.graphs records a step once
and replays it with a single launch, provided nothing inside the step touches the host. WGAN-GP's steps take
their random inputs as arguments (WGANGP.critic_step_inputs / critic_step_on, Variant.sample_latent /
generator_step_on), so each step here

  1. draws its inputs on the host as an eager step does (the same generator, in the same order),
  2. copies them into the static device buffers the graph reads (outside the graph), and
  3. replays the recorded step; its numbers (losses, gradient norms) are device tensors that the graph
     overwrites on its next replay, read only when the trainer logs them.

The first step of each kind (and of each new batch shape) runs eagerly on its inputs, a real training step
after which every lazily created piece of state exists (Adam's moments, compiled kernels, the cuBLAS handle);
the step is recorded right after it. Adam is switched to capturable=True (its step count on the device):
a replay would otherwise repeat the bias correction of the step it was recorded at; its lr is read on the device
too, so a scheduler stepped between iterations (a trainer hook) reaches the replays.
"""


class GraphedSteps:
    """critic_step(batch) and generator_step(batch_size) of a WGAN-GP variant, as replays of CUDA graphs."""

    def __init__(self, variant):
        if not hasattr(variant, "critic_step_on"):
            raise TypeError(f"cuda_graph: {type(variant).__name__} has no graph-ready steps (the WGAN-GP variants "
                            f"have: their steps take their random inputs as arguments)")
        device = next(variant.G.parameters()).device
        if not str(device).startswith("cuda"):
            raise ValueError(f"cuda_graph: the models are on {device}; CUDA graphs need them on 'cuda' "
                             f"(module.to('cuda'), or --device cuda)")
        from ..backend.cuda import graphs
        self.graphs = graphs
        self.variant = variant
        self._recorded = {}  # (step kind, input shapes) -> (static input tensors, CapturedStep)

    def critic_step(self, batch):
        return self._run("critic", self.variant.critic_step_inputs(batch), self.variant.critic_step_on)

    def generator_step(self, batch_size):
        # a graph records one k of top-k updates: another k is another graph
        return self._run(("generator", self.variant.generator_top_k), self.variant.sample_latent(batch_size),
                         self.variant.generator_step_on)

    def _run(self, kind, inputs, step_on):
        key = (kind, *(None if t is None else t.shape for t in inputs))
        if key not in self._recorded:
            self._count_adam_steps_on_the_device()
            numbers = step_on(*inputs)  # this step, eagerly; then the same step on the same tensors, recorded
            self._recorded[key] = (inputs, self.graphs.capture(lambda: step_on(*inputs), warmup=0))
            return numbers
        static, step = self._recorded[key]
        for buffer, value in zip(static, inputs):
            if buffer is not None:
                buffer.array[...] = value.array
                buffer._versions[0] += 1  # counted as copy_ counts it, at the cost of one add (the replay's host path)
        return step.replay()

    def _count_adam_steps_on_the_device(self):
        """capturable=True in every Adam group, set just before recording (a checkpoint loaded since __init__
        brings back its own setting)."""
        for optimizer in (self.variant.opt_D, self.variant.opt_G):
            for group in optimizer.param_groups:
                if "capturable" in group:
                    group["capturable"] = True
