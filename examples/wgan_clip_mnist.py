"""WGAN with weight clipping on MNIST (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN").

Algorithm 1 — critic f_w, generator g_θ; nanogan.gan.WGAN's two steps:

    while θ has not converged:
        for t = 0, ..., n_critic − 1:                                critic_step(batch)
            sample m images x and m noise vectors z
            g_w ← ∇w [mean f_w(x) − mean f_w(g_θ(z))]
            w ← w + α·RMSProp(w, g_w)
            w ← clip(w, −c, c)
        sample m noise vectors z                                     generator_step(m)
        θ ← θ − α·RMSProp(θ, −∇θ mean f_w(g_θ(z)))

with α = 5e-5, c = 0.01, m = 64, n_critic = 5. --preset official adds the official code's schedule:
100 critic steps for the first 25 generator iterations and every 500th. Clipping keeps f_w K-Lipschitz
for some K, so the critic's objective estimates K·W₁(P_data, P_θ) — plotted in losses.png, it falls as
the samples improve (the paper's Figure 3).

The networks are DCGAN's, as in the paper's experiments (nanogan.models.DCGANGenerator /
DCGANDiscriminator at 28×28; D returns an unbounded score), narrowed to --dim 16 for a CPU.

Outputs in --out: samples/<iteration>.png, progression.png, losses.png, quality.png and metrics.jsonl (the
samples judged: common.SampleQualityMeasures), log.jsonl, checkpoint.npz.

    python examples/wgan_clip_mnist.py
    python examples/wgan_clip_mnist.py --preset official --dim 64 --iters 20000 --device cuda
"""
import common
from nanogan import gan


def main(argv=None):
    p = common.parser("wgan_clip_mnist", __doc__, iters=1000, batch_size=64, presets=tuple(gan.WGAN.presets))
    p.add_argument("--dim", type=common.positive_int, default=16,
                   help="channels of G's last and D's first layer (default 16)")
    args = p.parse_args(argv)
    common.setup(args)

    loader = common.load_images(args, value_range=(-1.0, 1.0))  # G ends in a tanh
    G, D = common.dcgan_networks(args)
    wgan = gan.WGAN(G, D, args.preset, batch_size=args.batch_size)
    print(wgan)

    run = common.image_trainer(wgan, loader, args, snapshot_every=100, value_range=(-1.0, 1.0))
    return common.fit_and_report(run, args.iters, "wasserstein_estimate")


if __name__ == "__main__":
    main()
