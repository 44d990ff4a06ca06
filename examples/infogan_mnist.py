"""InfoGAN on MNIST (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by Information
Maximizing Generative Adversarial Nets"): without labels, a 10-valued categorical code learns the digit
class, and two continuous codes learn styles such as slant and width.

G reads [z, onehot(c_cat), c_cont]: z ~ U[−1, 1]⁶², c_cat uniform over 10 values, c_cont ~ U[−1, 1]². Q(c | x)
is a head on D's body. nanogan.gan.InfoGAN's two steps (openai/InfoGAN's infogan_trainer.py), with the
information term λ·(−L_I) = λ_cat·CE(c_cat) + λ_cont·NLL(c_cont) of Q's guesses about G(z, c):

    for number of training iterations:
        sample m images x and m latents (z, c)                       critic_step(x)
        D, Q ← Adam(∇ [−mean(log D(x) + log(1 − D(G(z, c)))) + λ·(−L_I)])
        sample m latents (z, c)                                      generator_step(m)
        G ← Adam(∇ [−mean log D(G(z, c)) + λ·(−L_I)])

The networks are the paper's (nanogan.models.infogan_mnist: G FC 1024, FC 7·7·128, two 4×4 up-convolutions;
D two 4×4 convolutions and FC 1024, then D's logit and Q's FC 128 head), narrowed by --dim (64 is the paper's).
With the default 32, 1,500 iterations take about 3 minutes on a 2-core CPU and end, on seeds 0, 1 and 2 alike,
with rows that are mostly one digit class each. --dim 16 is twice as fast, but in 5 of 6 such runs G wrote c
into faint patterns that Q read (mi_categorical near 2.2) while its samples stayed noise. The settings are the
official code's (--preset official-mnist: Adam β1 0.5, lr 2e-4 for D and Q and 1e-3 for G, λ 1) with m = 64.
The log's mi_categorical = log 10 − CE is the lower bound on I(c_cat; G(z, c)) in nats: it climbs towards
log 10 = 2.303 as the digits separate by code.

Pictures: samples/<iteration>.png has one row per value of c_cat (each column one z and c_cont), so the rows
become digit classes, in an order of the network's choosing; continuous_code_1.png and continuous_code_2.png
vary one continuous code from −2 to 2 across the columns (beyond the training range, as the paper's Figure 2),
one row per c_cat, one z throughout.

Outputs in --out: samples/<iteration>.png, continuous_code_{1,2}.png, progression.png, losses.png, quality.png and
metrics.jsonl (the samples judged: common.SampleQualityMeasures), log.jsonl, checkpoint.npz.

    python examples/infogan_mnist.py
    python examples/infogan_mnist.py --dim 64 --batch-size 128 --iters 5000 --device cuda   # the official run
"""
import numpy as np

import common
from nanogan import gan, models
from nanogan.gan import visualize

TRAVERSAL = np.linspace(-2.0, 2.0, 10)


def main(argv=None):
    p = common.parser("infogan_mnist", __doc__, iters=1500, batch_size=64, presets=tuple(gan.InfoGAN.presets))
    p.add_argument("--dim", type=common.positive_int, default=32,
                   help="channels of G's last and D's first layer, 64 in the paper (default 32)")
    args = p.parse_args(argv)
    common.setup(args)

    loader = common.load_images(args)  # G ends in a sigmoid: pixels in [0, 1]
    G, D = models.infogan_mnist(width=args.dim)
    common.to_device(args, G, D)
    infogan = gan.InfoGAN(G, D, args.preset, batch_size=args.batch_size)
    print(infogan)

    n_categories = infogan.n_categories
    run = common.image_trainer(infogan, loader, args, snapshot_every=100, nrow=n_categories,
                               n_samples=n_categories ** 2)
    traversals = {f"continuous code {code + 1}": (args.out / f"continuous_code_{code + 1}.png",
                                                  infogan.traversal_latent(code, TRAVERSAL, seed=args.seed))
                  for code in range(infogan.n_continuous)}

    def write_traversals(run):
        for path, latent in traversals.values():
            visualize.save_image_grid(infogan.sample(latent), path, nrow=len(TRAVERSAL))

    run.every(100, write_traversals)
    return common.fit_and_report(run, args.iters, "d_loss", "g_loss", "mi_categorical",
                                 pictures={what: path for what, (path, _) in traversals.items()})


if __name__ == "__main__":
    main()
