"""Conditional GAN on MNIST (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"): both
networks see the class label y, so one asks G for a given digit.

The value function becomes  min_G max_D  E[log D(x | y)] + E[log(1 − D(G(z | y) | y))];
nanogan.gan.ConditionalGAN's steps are GAN's with the labels passed along:

    for number of training iterations:
        sample m labelled images (x, y) and m noise vectors z        critic_step((x, y))
        D ← Adam(∇ −mean[log D(x | y) + log(1 − D(G(z | y) | y))])   (the fakes take the real labels)
        sample m noise vectors z and labels y uniformly             generator_step(m)
        G ← Adam(∇ −mean log D(G(z | y) | y))                       (non-saturating, as in GAN §3)

The paper's networks were maxout MLPs; here they are DCGAN's (nanogan.models.conditional_dcgan, with
DCGAN's Adam settings): G reads [z, onehot(y)], D joins onehot(y) to its features at the dense layer.
The sample grid is 10×10, one row per digit 0-9, each column a different z.

Outputs in --out: samples/<iteration>.png, progression.png, losses.png, quality.png and metrics.jsonl (the
samples judged: common.SampleQualityMeasures), log.jsonl, checkpoint.npz.

    python examples/cgan_mnist.py
"""
import common
from nanogan import gan, models

N_CLASSES = 10


def one_row_per_digit(images):
    """The fixed samples come with labels 0, 1, ..., 9, 0, 1, ... (one digit per column of a 10-wide grid);
    transposing that grid puts one digit per row."""
    side = N_CLASSES
    return images.reshape(side, side, *images.shape[1:]).swapaxes(0, 1).reshape(images.shape)


def main(argv=None):
    p = common.parser("cgan_mnist", __doc__, iters=1500, batch_size=64, presets=tuple(gan.DCGAN.presets))
    p.add_argument("--dim", type=common.positive_int, default=16,
                   help="channels of G's last and D's first layer (default 16)")
    args = p.parse_args(argv)
    common.setup(args)

    loader = common.load_images(args, value_range=(-1.0, 1.0))  # (images, labels) batches; G ends in a tanh
    G, D = models.conditional_dcgan(image_size=28, channels=1, n_classes=N_CLASSES, latent_dim=100, dim=args.dim)
    common.to_device(args, G, D)
    cgan = gan.ConditionalGAN(G, D, gan.DCGAN.preset(args.preset), n_classes=N_CLASSES, batch_size=args.batch_size)
    print(cgan)

    run = common.image_trainer(cgan, loader, args, snapshot_every=100, nrow=N_CLASSES, n_samples=N_CLASSES ** 2,
                               value_range=(-1.0, 1.0), arrange=one_row_per_digit)
    return common.fit_and_report(run, args.iters, "d_loss", "g_loss")


if __name__ == "__main__":
    main()
