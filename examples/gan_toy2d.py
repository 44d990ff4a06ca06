"""GANs on 2D toy distributions: any variant on any toy set, with the pictures and numbers that show
what each objective does — real vs generated points, the critic's (or discriminator's) value surface,
and the exact Wasserstein-1 distance and the modes captured over training.

Networks: the MLPs of the WGAN-GP toy code (3 hidden layers of 512, ReLU; nanogan.models.ToyGenerator,
ToyCritic), z ~ N(0, I₂). The variants, each its paper's algorithm box in nanogan.gan.variants:

    wgan-gp       Gulrajani et al. 2017, Algorithm 1: k = 5 critic steps on
                  D(G(z)) − D(x) + λ(‖∇D(x̂)‖ − 1)², then G on −D(G(z)); the toy code's settings:
                  Adam (1e-4, β 0.5/0.9), batch 256, λ = 0.1 (--preset paper-lambda: Algorithm 1's λ = 10)
    wgan          Arjovsky et al. 2017, Algorithm 1: k = 5 critic steps on D(G(z)) − D(x), weights
                  clipped to [−0.01, 0.01], RMSProp 5e-5
    gan           Goodfellow et al. 2014, Algorithm 1 with k = 1 and the non-saturating G loss −log D(G(z))
    gan-minimax   the same with the algorithm box's minimax G loss log(1 − D(G(z)))
    lsgan         Mao et al. 2017, the 0-1 coding: ½(D(x) − 1)² + ½D(G(z))², G on ½(D(G(z)) − 1)²
    fgan          Nowozin et al. 2016: D ascends F = E_P[g_f(V(x))] − E_Q[f*(g_f(V(G(z))))], G ascends
                  E_Q[g_f(V(G(z)))] (§3.2), alternating with k = 1; --preset names the divergence: kl,
                  reverse-kl, pearson, squared-hellinger, jensen-shannon, gan
The GAN, LSGAN and f-GAN variants use the WGAN-GP toy code's Adam and batch too, so that beside WGAN-GP only
the objective differs.

--top-k trains G with top-k updates (Sinha et al. 2020; nanogan.gan.tricks.top_k_size): each G step reads only
the k samples D rates most realistic, k annealed from the whole batch by 0.99 per epoch down to half of it. The toy
data has no epochs; here one is TOP_K_EPOCH generator iterations.

The networks see the data centred and scaled to unit standard deviation (which turns PacGAN's ring
and grid into exactly the WGAN-GP code's); samples are mapped back before they are measured or drawn.

Every --eval-every iterations, on 2,500 samples of a fixed z: the modes captured and the fraction of
high-quality samples (PacGAN's protocol, nanogan.metrics.mode_coverage, for the Gaussian mixtures) and the
exact W1 between the first 1,000 of them and 1,000 real samples (nanogan.metrics.wasserstein1).

    python examples/gan_toy2d.py                                   # WGAN-GP on PacGAN's 5×5 grid
    python examples/gan_toy2d.py --variant gan --dataset ring8_pacgan
    python examples/gan_toy2d.py --variant fgan --preset kl --dataset ring8_pacgan
"""
import numpy as np

import common
import nanogan as ng
from nanogan import data, gan, metrics, models
from nanogan.gan import tricks, visualize

TOY_ADAM = dict(optimizer="adam", lr=1e-4, betas=(0.5, 0.9), batch_size=256)
TOY_ADAM_SOURCE = "gan_toy2d.py: the WGAN-GP toy code's Adam (1e-4, β 0.5/0.9) and batch 256, k = 1"

# name → (variant class, its presets for the toy: name → Preset or the variant's own preset name)
VARIANTS = {
    "wgan-gp": (gan.WGANGP, {"official-toy": "official-toy",
                             "paper-lambda": gan.WGANGP.preset("official-toy").replace(
                                 penalty_weight=10.0, source="Gulrajani et al. 2017: Algorithm 1's λ 10 with the toy "
                                                             "code's Adam (1e-4, β 0.5/0.9) and batch 256")}),
    "wgan": (gan.WGAN, {"paper": "paper", "official": "official"}),
    "gan": (gan.GAN, {"toy": gan.GANPreset(source=TOY_ADAM_SOURCE, **TOY_ADAM)}),
    "gan-minimax": (gan.GAN, {"toy": gan.GANPreset(source=TOY_ADAM_SOURCE, generator_loss="minimax", **TOY_ADAM)}),
    "lsgan": (gan.LSGAN, {"toy": gan.LSGANPreset(source=TOY_ADAM_SOURCE, **TOY_ADAM)}),
    "fgan": (gan.FGAN, {name: gan.FGANPreset(source=f"{TOY_ADAM_SOURCE}, divergence {name}", divergence=name,
                                             **TOY_ADAM) for name in gan.F_DIVERGENCES}),
}
EVAL_SAMPLES = 2500  # PacGAN's protocol
W1_SAMPLES = 1000  # the exact assignment is O(n³): 1,000 points take a fraction of a second
SCALE_SAMPLES = 100_000  # the data's mean and standard deviation are measured on this many points
TOP_K_EPOCH = 100  # generator iterations per epoch of --top-k's annealing: k reaches half the batch after 6,900


def parse(argv):
    p = common.parser("gan_toy2d", __doc__, iters=4000, batch_size=None, presets=None,
                      datasets=("grid25_pacgan", *sorted(set(data.TOY_DATASETS) - {"grid25_pacgan"})),
                      cuda_graph=True)
    p.add_argument("--variant", default="wgan-gp", choices=list(VARIANTS))
    p.add_argument("--preset", help="the variant's toy settings: " + "; ".join(
        f"{name}: {', '.join(presets)}" for name, (_, presets) in VARIANTS.items()) + " (default: the first)")
    p.add_argument("--lr", type=common.positive_float, help="learning rate of both networks (default: the preset's)")
    p.add_argument("--lr-decay", action="store_true",
                   help="decay both learning rates linearly to 0 over --iters (as the WGAN-GP CIFAR-10 code does)")
    p.add_argument("--no-standardise", action="store_true",
                   help="train on the data in its own units rather than centred and scaled to unit deviation")
    p.add_argument("--top-k", action="store_true",
                   help="top-k generator updates: G learns from the samples D rates most realistic (Sinha et al. 2020)")
    p.add_argument("--eval-every", type=common.positive_int, default=250,
                   help="generator iterations between evaluations")
    return p.parse_args(argv)


def make_variant(args):
    variant_class, presets = VARIANTS[args.variant]
    name = args.preset or next(iter(presets))
    if name not in presets:
        raise SystemExit(f"--preset: {args.variant} has the toy presets {list(presets)}, not {name!r}")
    overrides = {key: value for key, value in (("batch_size", args.batch_size), ("lr", args.lr)) if value is not None}
    G, D = models.ToyGenerator(), models.ToyCritic()
    common.to_device(args, G, D)
    return variant_class(G, D, presets[name], **overrides)


class Standardised:
    """The toy data as the networks see it: centred and divided by its standard deviation s, so that
    inputs and outputs are of unit scale, the scale the networks' default initialisation is made for.
    (For PacGAN's ring and grid s = 0.71 and 2.83, which turns them into exactly the WGAN-GP code's ring
    and grid.) Everything measured or drawn is in the data's own units."""

    def __init__(self, sampler, enabled=True):
        reference = sampler(SCALE_SAMPLES, np.random.default_rng(0)).astype(np.float64)
        self.sampler = sampler
        self.mean = reference.mean(axis=0) if enabled else np.zeros(2)
        self.scale = reference.std() if enabled else 1.0

    def __call__(self, n, rng):
        return self.to_network(self.sampler(n, rng))

    def to_network(self, points):
        return ((points - self.mean) / self.scale).astype(np.float32)

    def to_data(self, points):
        return points * self.scale + self.mean


class ToyMeasures:
    """W1 and (for a Gaussian mixture) mode coverage of G's samples of the fixed z, in data units: what
    common.MetricsLog records every --eval-every iterations."""

    def __init__(self, args, view):
        self.toy, self.view = args.dataset, view
        self.mixture = isinstance(view.sampler, data.GaussianMixture2D)
        self.real = view.sampler(W1_SAMPLES, np.random.default_rng(args.seed + 1))

    def __call__(self, run):
        fake = self.view.to_data(run.samples())
        record = {"w1": metrics.wasserstein1(fake[:W1_SAMPLES], self.real)}
        if self.mixture:
            coverage = metrics.mode_coverage(fake, self.toy)
            record.update(modes=coverage.modes_captured, n_modes=coverage.n_modes,
                          high_quality=coverage.high_quality_fraction)
        return record


class Drawing:
    """Real and generated points over D's contours, in data units (the WGAN-GP paper's toy figures)."""

    def __init__(self, args, view):
        self.view = view
        self.real = view.sampler(EVAL_SAMPLES, np.random.default_rng(args.seed + 2))
        self.extent = float(np.ceil(np.abs(self.real).max() * 1.25 * 2) / 2)  # the data with a margin, in halves

    def __call__(self, run, path, with_critic=True, title=None):
        critic = (lambda points: scores(run.variant, self.view.to_network(points))) if with_critic else None
        visualize.plot_toy(self.real, self.view.to_data(run.samples()), path, critic=critic, extent=self.extent,
                           title=title or f"generator iteration {run.iteration}")

    def frame(self, run):
        self(run, run.run_dir / "frames" / f"{run.iteration:06d}.png")


@ng.no_grad()
def scores(variant, points):
    """D's value at each of the (n, 2) points."""
    return variant.D(variant.as_input(points)).numpy().ravel()


def linear_decay(run, iterations):
    """A hook setting, after generator iteration i, both optimisers' rates to lr₀·(1 − i/iterations), lr₀ being
    each parameter group's rate when the run started. lr₀ stays in the group as "initial_lr" (as PyTorch's
    schedulers keep it), so it travels in the checkpoint: a run resumed with the same --iters goes on with the
    same rates, and one resumed with a larger --iters follows from there the schedule of a run that long."""
    groups = [group for optimizer in (run.variant.opt_G, run.variant.opt_D) for group in optimizer.param_groups]
    for group in groups:
        group.setdefault("initial_lr", group["lr"])

    def decay(run):
        for group in groups:
            group["lr"] = group["initial_lr"] * max(0.0, 1.0 - run.iteration / iterations)
    decay(run)  # the rate of the next iteration, also where a resumed run's --iters is not the checkpoint's
    return decay


def plot_metrics(records, path):
    """W1 and (for mixtures) modes captured and high-quality fraction over generator iterations."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    coverage = "modes" in records[0]
    figure = Figure(figsize=(9 if coverage else 4.5, 3.5), layout="tight")
    FigureCanvasAgg(figure)
    iterations = [r["iteration"] for r in records]
    w1_axes = figure.add_subplot(1, 2 if coverage else 1, 1)
    w1_axes.plot(iterations, [r["w1"] for r in records])
    w1_axes.set(title="exact W1 to the data", xlabel="generator iteration", yscale="log")
    if coverage:
        modes_axes = figure.add_subplot(1, 2, 2)
        modes_axes.plot(iterations, [r["modes"] / r["n_modes"] for r in records], label="modes captured / all")
        modes_axes.plot(iterations, [r["high_quality"] for r in records], label="high-quality samples")
        modes_axes.set(title="mode coverage (PacGAN)", xlabel="generator iteration", ylim=(0, 1.02))
        modes_axes.legend()
    visualize.save_figure(figure, path)


def main(argv=None):
    args = parse(argv)
    common.setup(args)
    variant = make_variant(args)
    view = Standardised(data.get_toy(args.dataset), enabled=not args.no_standardise)
    stream = gan.SampledData(view, variant.settings.batch_size, seed=args.seed)
    run = common.trainer(variant, stream, args, snapshot_every=args.eval_every, n_samples=EVAL_SAMPLES)

    if args.lr_decay:
        run.every(1, linear_decay(run, args.iters))
    if args.top_k:
        run.every(1, tricks.top_k_annealing(run, TOP_K_EPOCH))
    evaluate, draw = common.MetricsLog(run, ToyMeasures(args, view)), Drawing(args, view)
    run.every(args.eval_every, evaluate)
    run.every(args.eval_every, draw.frame)
    run.every(args.eval_every, visualize.loss_plot_hook())
    common.fit(run, args.iters)
    common.run_hooks_at_the_end(run)

    outputs = {"frames": args.out / "frames", "scatter": args.out / "scatter.png",
               "surface": args.out / "surface.png", "metrics": args.out / "metrics.png",
               "losses": args.out / "losses.png", "checkpoint": run.checkpoint_path}
    draw(run, outputs["scatter"], with_critic=False, title=f"{args.variant}, generator iteration {run.iteration}")
    draw(run, outputs["surface"], title=f"{type(variant).__name__}'s D over the plane")
    plot_metrics(evaluate.records, outputs["metrics"])
    final = evaluate.records[-1]
    result = {"variant": args.variant, "dataset": args.dataset, "iters": run.iteration}
    if "modes" in final:
        result.update(modes=final["modes"], n_modes=final["n_modes"], high_quality=final["high_quality"])
    result = common.report(outputs, **result, w1=final["w1"], wall_s=round(run.elapsed, 1))
    common.exit_if_interrupted(run)
    return result


if __name__ == "__main__":
    main()
