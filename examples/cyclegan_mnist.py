"""CycleGAN between MNIST and Fashion-MNIST (Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image
Translation using Cycle-Consistent Adversarial Networks"): digits to clothes and back, learnt from the two
datasets with no image of one matched to an image of the other.

G: X → Y and F: Y → X with discriminators D_Y and D_X; nanogan.gan.CycleGAN's two steps on a batch (x, y):

    sample m digits x and m clothes y, unpaired                          critic_step((x, y))
    D_Y ← Adam(∇ ½[mean (D_Y(y) − 1)² + mean D_Y(ỹ)²])     ỹ: the pool of 50 earlier G(x)
    D_X ← Adam(∇ ½[mean (D_X(x) − 1)² + mean D_X(x̃)²])     x̃: the pool of 50 earlier F(y)
    G, F ← Adam(∇ [mean (D_Y(G(x)) − 1)² + mean (D_X(F(y)) − 1)²       generator_step(m), on the same (x, y)
                   + λ·(‖F(G(x)) − x‖₁ + ‖G(F(y)) − y‖₁) + 0.5·λ·(‖G(y) − y‖₁ + ‖F(x) − x‖₁)])

with λ = 10, Adam lr 2e-4, β1 = 0.5, m = 1, and the identity term of the official code (--preset paper leaves
it out). The networks are the paper's (nanogan.models.cyclegan): the ResNet generator c7s1-64, d128, d256,
R256 × n, u128, u64, c7s1-1 and the 70×70 PatchGAN discriminator, narrowed here to --dim 8 (the paper's 64) with
--blocks 3 residual blocks (the paper's 6 at 128×128) so that a CPU run of a few minutes shows shapes of one
domain turning into the other. The 28×28 images need no padding: the generator halves and doubles twice
(28 → 7 → 28), and the discriminator's 70×70 receptive field covers the whole image, its score map 1×1.

The paper keeps the lr for 100 epochs and then decays it linearly to 0 over 100 more; here the 200 "epochs"
are spread over --iters (an epoch is --iters/200 iterations), so a short run ends, like the paper's long one,
at a small lr. A resumed run with a larger --iters follows the longer schedule from where it is.

X is --dataset (default mnist), Y the other one. --data-dir DIR is searched for each as DIR/mnist/ and
DIR/fashion-mnist/ (and DIR itself, which can therefore hold only one of them; the run refuses to translate a
dataset into itself). On Debian/Ubuntu `apt-get install dataset-fashion-mnist` puts Fashion-MNIST where it is
found without --data-dir.

Outputs in --out: samples/<iteration>.png, one column per fixed pair of images, the rows real x, G(x), F(G(x)),
real y, F(y), G(F(y)); progression.png, losses.png, log.jsonl, checkpoint.npz.

    python examples/cyclegan_mnist.py
    python examples/cyclegan_mnist.py --dataset fashion-mnist --dim 32 --blocks 6 --iters 20000 --device cuda
"""
import numpy as np

import common
from nanogan import data, gan, models

N_PAIRS = 8  # the fixed pairs each snapshot translates: the picture's columns


def fixed_pairs(x, y, seed):
    """N_PAIRS images of each domain, drawn with their own generator so that the training's stream is untouched."""
    rng = np.random.default_rng(seed)
    return x[rng.choice(len(x), N_PAIRS, replace=False)], y[rng.choice(len(y), N_PAIRS, replace=False)]


def main(argv=None):
    p = common.parser("cyclegan_mnist", __doc__, iters=3000, batch_size=1, presets=tuple(gan.CycleGAN.presets),
                      dataset_help="domain X; Y is the other one; ", judged=False)
    p.add_argument("--dim", type=common.positive_int, default=8,
                   help="channels of each network's first layer (default 8; the paper's 64)")
    p.add_argument("--blocks", type=common.positive_int, default=3,
                   help="residual blocks of each generator (default 3; the paper's 6 at 128×128, 9 at 256×256)")
    args = p.parse_args(argv)
    common.setup(args)

    other = {"mnist": "fashion-mnist", "fashion-mnist": "mnist"}[args.dataset]
    x, _ = common.load_image_arrays(args, args.dataset, value_range=(-1.0, 1.0))  # G and F end in a tanh
    y, _ = common.load_image_arrays(args, other, value_range=(-1.0, 1.0))
    if x.shape == y.shape and np.array_equal(x, y):
        raise SystemExit(f"{data.DATASETS[args.dataset].title} and {data.DATASETS[other].title} were read from the "
                         f"same files: give a --data-dir whose mnist/ and fashion-mnist/ folders hold each")
    loader = data.UnpairedLoader(x, y, batch_size=args.batch_size, seed=args.seed)

    generators, discriminators = models.cyclegan_networks(channels=1, width=args.dim, n_blocks=args.blocks)
    common.to_device(args, generators, discriminators)
    preset = gan.CycleGAN.preset(args.preset)
    iterations_per_epoch = args.iters / (preset.constant_epochs + preset.decay_epochs)  # the schedule over the run
    cyclegan = gan.CycleGAN(generators, discriminators, preset, batch_size=args.batch_size,
                            iterations_per_epoch=iterations_per_epoch)
    print(cyclegan)
    print(f"lr schedule: {preset.constant_epochs} epochs constant, then {preset.decay_epochs} decaying, of "
          f"{iterations_per_epoch:g} iterations each")

    run = common.image_trainer(cyclegan, loader, args, snapshot_every=100, nrow=N_PAIRS,
                               fixed_inputs=fixed_pairs(x, y, args.seed), value_range=(-1.0, 1.0))
    return common.fit_and_report(run, args.iters, "d_loss", "g_loss", "cycle_loss")


if __name__ == "__main__":
    main()
