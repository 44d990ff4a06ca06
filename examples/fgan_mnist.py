"""f-GAN on MNIST (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural Samplers using Variational
Divergence Minimization"): G minimises an f-divergence D_f(P‖Q_θ) between the data and its samples, chosen with
--divergence, through the variational lower bound that V_ω tightens

    F(θ, ω) = E_{x~P}[g_f(V_ω(x))] − E_{x~Q_θ}[f*(g_f(V_ω(x)))]

(f* the conjugate of f, g_f V_ω's output activation into f*'s domain; nanogan.gan.losses.F_DIVERGENCES).
Algorithm 1, the single-step gradient method; nanogan.gan.FGAN's two steps:

    for t = 0, 1, ..., T − 1:
        sample X_P = {x_1, ..., x_B} from the data and X_Q = {x'_1, ..., x'_B} from Q_θ     critic_step(X_P)
        ω ← Adam(∇ω −F(θ, ω))                         logged: d_loss = −F, divergence_estimate = F
        θ ← Adam(∇θ −E_Q[g_f(V_ω(G(z)))])                                                 generator_step(B)

G's step is §3.2's "maximise-T" (for --divergence gan the non-saturating loss); --generator-loss saddle-point
descends Algorithm 1's own ∇θ F, that is ∇θ −E_Q[f*(g_f(V_ω(G(z))))]. Algorithm 1 takes both gradients at the same
(θ, ω); here G's step reads the critic just updated (the alternating schedule every nanogan variant runs).

Networks (nanogan.models.FGANMNISTGenerator, FGANMNISTCritic), the paper's fully connected ones narrowed by --dim:
G z ∈ U[−1, 1]¹⁰⁰ → 5·dim → 5·dim → 784 (batch norm and ReLU, sigmoid output), V_ω 784 → dim → dim → 1 (ReLU).
The paper's are dim = 240 (G 1200 units) with maxout units in V_ω, trained with Adam (α 2e-4, β1 0.5) on batches of
4,096; here the same Adam on batches of 64 (--batch-size), dim 128 (G 640 units) and ReLUs instead of maxout. The
default 3,000 iterations took 75-99 s on a 2-core CPU with one BLAS thread (OPENBLAS_NUM_THREADS=1: with OpenBLAS's
two, 200 iterations took 43 s instead of 6 where other programs shared the two cores) and drew recognisable but
speckled digits with gan, jensen-shannon and squared-hellinger on seeds 0 and 1 (squared-hellinger's seed 1 the
noisiest). --dim 64 drew fainter digits, --dim 240 (the paper's widths) about the same in three times as long, and
10,000 iterations no better. jensen-shannon trains exactly as gan: its g_f and f* differ from GAN's by constants (F
by 2 log 2), so every gradient is the same. The printed divergence_estimate is each divergence's own lower bound,
not comparable across them.

Outputs in --out: samples/<iteration>.png (G's samples of one fixed z), progression.png, losses.png (the logged
values over the run), quality.png and metrics.jsonl (the samples judged: common.SampleQualityMeasures), log.jsonl,
checkpoint.npz (--resume continues from it, with the same --divergence and
--generator-loss).

    python examples/fgan_mnist.py                                   # the GAN divergence
    python examples/fgan_mnist.py --divergence squared-hellinger
    python examples/fgan_mnist.py --divergence kl --dim 240 --batch-size 4096 --iters 20000 --device cuda
"""
import common
from nanogan import gan, models
from nanogan.gan.variants.fgan import GENERATOR_LOSSES


def main(argv=None):
    p = common.parser("fgan_mnist", __doc__, iters=3000, batch_size=64, presets=None)
    p.add_argument("--divergence", default="gan", choices=tuple(gan.FGAN.presets),
                   help="the f-divergence D_f(P‖Q) G minimises (default gan)")
    p.add_argument("--generator-loss", default="maximise-T", choices=tuple(GENERATOR_LOSSES),
                   help="G's objective: §3.2's −E_Q[g_f(V)] or Algorithm 1's saddle point (default maximise-T)")
    p.add_argument("--dim", type=common.positive_int, default=128,
                   help="V_ω's hidden units; G has 5·dim (the paper's 240 and 1200; default 128)")
    args = p.parse_args(argv)
    common.setup(args)

    loader = common.load_images(args)  # G ends in a sigmoid: pixels in [0, 1]
    G = models.FGANMNISTGenerator(hidden=5 * args.dim)
    D = models.FGANMNISTCritic(hidden=args.dim)
    common.to_device(args, G, D)
    fgan = gan.FGAN(G, D, args.divergence, generator_loss=args.generator_loss, batch_size=args.batch_size)
    print(fgan)

    run = common.image_trainer(fgan, loader, args, snapshot_every=100)
    return common.fit_and_report(run, args.iters, "divergence_estimate", "d_loss", "g_loss")


if __name__ == "__main__":
    main()
