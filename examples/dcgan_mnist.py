"""DCGAN on MNIST (Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks").

The algorithm is Goodfellow et al.'s (Algorithm 1, k = 1, the non-saturating G loss); nanogan.gan.DCGAN's
two steps, D returning logits l = D(x) with D(x) = σ(l):

    for number of training iterations:
        sample m images x and m noise vectors z                     critic_step(batch)
        D ← Adam(∇ −mean[log D(x) + log(1 − D(G(z)))])
        sample m noise vectors z                                    generator_step(m)
        G ← Adam(∇ −mean log D(G(z)))

What DCGAN adds are the networks and settings that made this stable (nanogan.models.DCGANGenerator /
DCGANDiscriminator, 28×28 here): strided (transposed) 4×4 convolutions instead of pooling, batch norm in
both networks (not on D's input layer nor G's output), ReLU in G up to a tanh, LeakyReLU(0.2) in D,
weights from N(0, 0.02²), Adam with α = 2e-4 and β1 = 0.5, m = 128, z ~ U[−1, 1]¹⁰⁰ (--preset paper)
or N(0, I) (--preset pytorch-tutorial). The default narrows the networks (--dim 16, the paper's
width is 64 at 64×64) and uses m = 64 so that a CPU shows digits in minutes.

Outputs in --out: samples/<iteration>.png, progression.png, losses.png, quality.png and metrics.jsonl (the
samples judged: common.SampleQualityMeasures), log.jsonl, checkpoint.npz.

    python examples/dcgan_mnist.py
    python examples/dcgan_mnist.py --dim 64 --batch-size 128 --iters 20000 --device cuda
"""
import common
from nanogan import gan


def main(argv=None):
    p = common.parser("dcgan_mnist", __doc__, iters=1500, batch_size=64, presets=tuple(gan.DCGAN.presets))
    p.add_argument("--dim", type=common.positive_int, default=16,
                   help="channels of G's last and D's first layer (default 16)")
    args = p.parse_args(argv)
    common.setup(args)

    loader = common.load_images(args, value_range=(-1.0, 1.0))  # G ends in a tanh
    G, D = common.dcgan_networks(args)
    dcgan = gan.DCGAN(G, D, args.preset, batch_size=args.batch_size)
    print(dcgan)

    run = common.image_trainer(dcgan, loader, args, snapshot_every=100, value_range=(-1.0, 1.0))
    return common.fit_and_report(run, args.iters, "d_loss", "g_loss")


if __name__ == "__main__":
    main()
