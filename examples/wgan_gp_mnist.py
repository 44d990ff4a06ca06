"""WGAN-GP on MNIST (Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, "Improved Training of
Wasserstein GANs"), with the networks and settings of the official gan_mnist.py.

Algorithm 1 — critic D_w, generator G_θ; nanogan.gan.WGANGP's two steps:

    while θ has not converged:
        for t = 1, ..., n_critic:                                  critic_step(batch)
            sample real x, z ~ N(0, I), ε ~ U[0, 1]  (m of each)
            x̃ ← G_θ(z);  x̂ ← ε·x + (1 − ε)·x̃
            L ← D_w(x̃) − D_w(x) + λ·(‖∇x̂ D_w(x̂)‖₂ − 1)²
            w ← Adam(∇w mean L, α, β1, β2)
        sample z  (m of them)                                      generator_step(m)
        θ ← Adam(∇θ mean −D_w(G_θ(z)), α, β1, β2)

--full is gan_mnist.py: DIM = 64, 200,000 generator iterations, m = 50, Adam α = 1e-4, β = (0.5, 0.9),
λ = 10, n_critic = 5 (days on a CPU; use --device cuda). The default is the same algorithm and optimiser
with narrower networks (DIM = 16), half the batch (m = 25: early on, progress counts in iterations rather
than samples) and 3,000 iterations, which shows recognisable digits in 5 to 15 minutes on 2 CPU cores.

Outputs in --out: samples/<iteration>.png (G's samples of one fixed z), progression.png (those grids over
the run), losses.png (critic loss, Wasserstein estimate E D(x) − E D(G(z)), gradient-penalty term),
quality.png and metrics.jsonl (every 500 iterations, the classifier score and Fréchet distance of 2,000 samples,
beside those of 2,000 real digits: nanogan.metrics.SampleQuality), log.jsonl, checkpoint.npz (--resume continues
from it).

    python examples/wgan_gp_mnist.py --data-dir /work/shared/data/mnist
    python examples/wgan_gp_mnist.py --resume --iters 3000       # go on to 3,000 iterations
    python examples/wgan_gp_mnist.py --full --device cuda
"""
import common
from nanogan import gan, models

SMALL = {"dim": 16, "iters": 3000, "batch_size": 25, "snapshot_every": 100}
FULL = {"dim": 64, "iters": 200_000, "batch_size": 50, "snapshot_every": 1000}


def main(argv=None):
    p = common.parser("wgan_gp_mnist", __doc__, iters=None, batch_size=None, presets=("official-mnist", "paper"),
                      cuda_graph=True)
    p.add_argument("--full", action="store_true", help="the official configuration (DIM 64, 200k iterations)")
    p.add_argument("--dim", type=common.positive_int,
                   help=f"network width DIM (default {SMALL['dim']}, --full {FULL['dim']})")
    args = p.parse_args(argv)
    config = FULL if args.full else SMALL
    args.iters = config["iters"] if args.iters is None else args.iters
    args.batch_size = config["batch_size"] if args.batch_size is None else args.batch_size
    args.dim = config["dim"] if args.dim is None else args.dim
    common.setup(args)

    loader = common.load_images(args, value_range=(0.0, 1.0))  # G ends in a sigmoid
    G = models.WGANGPMNISTGenerator(dim=args.dim)
    D = models.WGANGPMNISTCritic(dim=args.dim)
    common.to_device(args, G, D)
    wgan_gp = gan.WGANGP(G, D, args.preset, batch_size=args.batch_size)
    print(wgan_gp)

    run = common.image_trainer(wgan_gp, loader, args, snapshot_every=config["snapshot_every"])
    return common.fit_and_report(run, args.iters, "wasserstein_estimate", "gradient_penalty")


if __name__ == "__main__":
    main()
