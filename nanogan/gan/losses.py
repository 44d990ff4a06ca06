"""The objectives of the GAN family, each a small function with its formula.

Notation: x real data, z noise, G the generator, D the discriminator or critic. A discriminator
returns a logit l (its probability that the input is real is σ(l)); a critic returns a real-valued
score. Every loss is a batch mean and is *minimised* by the network it trains.

Logits keep the log-probabilities stable: with softplus(t) = log(1 + eᵗ),

    log σ(l)      = −softplus(−l)
    log(1 − σ(l)) = log σ(−l) = −softplus(l)

and softplus is computed as max(t, 0) + log(1 + e^−|t|), so neither σ(l) (which rounds to exactly 0 or 1
for |l| ≳ 17 in float32) nor e^l (which overflows) is ever formed. Its derivative is σ(t), so the
gradients below come out exactly as written, even where they are tiny.
"""
import math
import warnings

from .. import autograd
from ..arguments import is_finite, is_number, require
from ..nn import functional as F
from ..ops.loss import unit_norm_penalty
from ..tensor import rand


# ---- Goodfellow et al. 2014 ----------------------------------------------------------------------
def discriminator_loss(real_logits, fake_logits, real_target=1.0):
    """−V(D, G) = −E[log D(x)] − E[log(1 − D(G(z)))]
               = E[softplus(−l_real)] + E[softplus(l_fake)].

    D maximises V, i.e. minimises this sum of two cross-entropies (targets 1 for real, 0 for fake);
    dloss/dl_real = (σ(l_real) − 1)/m, dloss/dl_fake = σ(l_fake)/m.

    One-sided label smoothing (Salimans et al. 2016, "Improved Techniques for Training GANs", §3.4): with
    real_target α < 1 (0.9 in the paper) the real side is the cross-entropy against the target α,

        −α·log σ(l) − (1 − α)·log(1 − σ(l)) = α·softplus(−l) + (1 − α)·softplus(l) = softplus(−l) + (1 − α)·l

    (as softplus(l) = softplus(−l) + l; no term can overflow), with dloss/dl_real = (σ(l_real) − α)/m: D is no
    longer pushed towards ever larger logits on the data once D(x) = α, so it cannot become overconfident and
    hand G exploding or vanishing gradients. Only the real side is smoothed: with targets α for real and β for
    fake the optimal discriminator is D*(x) = (α·p_data(x) + β·p_g(x)) / (p_data(x) + p_g(x)), and a β > 0 keeps
    D* high where p_data is small but p_g large, so G's samples there get no push towards the data. With β = 0,
    D* = α·p_data/(p_data + p_g) ranks every x as the unsmoothed D* does.
    """
    require("discriminator_loss", "real_target", real_target, lambda v: is_finite(v) and 0 <= v <= 1,
            "a number in [0, 1], the probability D learns to give real data")
    loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    if real_target != 1.0:  # at α = 1 the term is 0·l: left out, so the unsmoothed loss keeps its graph
        loss = loss + (1 - real_target) * real_logits.mean()
    return loss


def minimax_generator_loss(fake_logits):
    """E[log(1 − D(G(z)))] = −E[softplus(l_fake)]: the generator's side of the minimax game.

    It saturates: where D confidently rejects the fakes (l_fake ≪ 0) its gradient
    dloss/dl = −σ(l_fake) vanishes, which is why Goodfellow et al. train G on the loss below instead.
    """
    return -F.softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits):
    """−E[log D(G(z))] = E[softplus(−l_fake)]: same fixed point as the minimax loss, but the gradient
    dloss/dl = σ(l_fake) − 1 is strongest exactly where D rejects the fakes."""
    return F.softplus(-fake_logits).mean()


# ---- Arjovsky et al. 2017 (WGAN), Gulrajani et al. 2017 (WGAN-GP) --------------------------------
def wasserstein_critic_loss(real_scores, fake_scores):
    """E[D(G(z))] − E[D(x)]: minimising it maximises E[D(x)] − E[D(G(z))], which for a 1-Lipschitz
    critic D approaches the Wasserstein-1 distance between the data and the generator's distribution.
    Its negative is the training's Wasserstein estimate."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores):
    """−E[D(G(z))]: the only term of the critic's objective that depends on G."""
    return -fake_scores.mean()


def interpolation_weights(real):
    """ε ~ U[0, 1], one per sample of `real`, shaped (m, 1, ..., 1) to broadcast over its other dimensions."""
    return rand(real.shape[0], *(1,) * (real.ndim - 1), dtype=real.dtype, device=real.device)


def interpolate(real, fake, epsilon=None):
    """x̂ = ε·x + (1 − ε)·G(z), one ε ~ U[0, 1] per sample (drawn here unless given): points on the straight
    lines between real and generated samples, where WGAN-GP enforces the unit gradient norm. A given ε has
    shape (m,) or (m, 1, ..., 1): any other shape would broadcast over a sample's own dimensions and mix
    weights within it."""
    if real.shape != fake.shape:
        raise ValueError(f"interpolate: real samples of shape {real.shape} and fake samples of shape "
                         f"{fake.shape} must match")
    if epsilon is None:
        epsilon = interpolation_weights(real)
    else:
        per_sample = (real.shape[0],) + (1,) * (real.ndim - 1)
        epsilon_shape = tuple(getattr(epsilon, "shape", ()))  # a Python number is a scalar, refused as one
        if epsilon_shape not in ((real.shape[0],), per_sample):
            raise ValueError(f"interpolate: epsilon of shape {epsilon_shape} must hold one weight per sample of "
                             f"the samples of shape {real.shape}, as shape {(real.shape[0],)} or {per_sample}")
        if epsilon_shape != per_sample:
            epsilon = epsilon.reshape(per_sample)
    return epsilon * real + (1 - epsilon) * fake


# Added under the square root of the gradient norm: d‖g‖/dg = g/‖g‖ is undefined where the critic is flat
# (g = 0, e.g. every ReLU off), and this keeps the penalty's gradient finite there at a cost of ~1e-12 in ‖g‖².
NORM_FLOOR = 1e-12


def input_gradients(critic, points):
    """∇ₓD(x) at each sample of `points` (the gradient of D(x).sum(), which per sample is the gradient of that
    sample's own score), as a graph (create_graph=True) so that a penalty on it can be differentiated with
    respect to D's weights."""
    points = points.detach().requires_grad_(True)
    (gradient,) = autograd.grad(critic(points).sum(), points, create_graph=True)
    return gradient


def input_gradient_norms(critic, points):
    """‖∇ₓD(x)‖₂ at each sample of `points`, the norm over all of a sample's dimensions, as a graph."""
    gradient = input_gradients(critic, points)
    per_sample = gradient.reshape(gradient.shape[0], -1)
    return ((per_sample * per_sample).sum(dim=1) + NORM_FLOOR).sqrt()


def gradient_penalty(critic, real, fake, weight=10.0, epsilon=None):
    """λ·E[(‖∇D(x̂)‖₂ − 1)²] with x̂ = ε·x + (1 − ε)·G(z), ε ~ U[0, 1] per sample (Gulrajani et al. 2017,
    Algorithm 1; ε drawn here unless given, as a step replayed from a CUDA graph must). `critic` is any
    callable from a batch to scores (for a conditional critic, close over the labels). D(x̂).sum() has, per
    sample, the gradient of that sample's own score — as long as no layer mixes samples (see
    warn_if_batch_norm). The per-sample term (‖g‖₂ − 1)² is one op, unit_norm_penalty (one kernel each way on
    the GPU)."""
    gradients = input_gradients(critic, interpolate(real.detach(), fake.detach(), epsilon))
    return weight * unit_norm_penalty(gradients).mean()


def warn_if_batch_norm(critic, who):
    """Warn, naming each batch-norm layer of `critic`: the gradient penalty is a per-sample constraint, but
    batch norm makes each sample's score depend on the whole batch, so ∇D(x̂ᵢ) is no longer the gradient of
    sample i's own score (Gulrajani et al. 2017, §4: use layer norm or no normalisation in the critic)."""
    for name, module in critic.named_modules():
        if "BatchNorm" in type(module).__name__:
            warnings.warn(f"{who}: the critic's layer {name or '<root>'!r} ({type(module).__name__}) normalises over "
                          f"the batch, which couples the samples that the per-sample gradient penalty treats as "
                          f"independent; use LayerNorm, InstanceNorm2d or no normalisation in a WGAN-GP critic",
                          stacklevel=3)


def clip_weights_(parameters, clip_value):
    """w ← clip(w, −c, c) for every parameter, in place and outside the graph: WGAN's crude way of keeping
    the critic K-Lipschitz for some K (Arjovsky et al. 2017, Algorithm 1, c = 0.01)."""
    require("clip_weights_", "clip_value", clip_value, lambda v: is_number(v) and v > 0, "a number > 0")
    with autograd.no_grad():
        for p in parameters:
            p.backend.xp.clip(p.array, -clip_value, clip_value, out=p.array)


# ---- Mescheder, Geiger & Nowozin 2018 (R1) -------------------------------------------------------
def r1_penalty(discriminator, real, weight=10.0):
    """R₁ = (γ/2)·E_x~p_data[‖∇ₓD(x)‖²] (Mescheder et al. 2018, "Which Training Methods for GANs do actually
    Converge?", eq. 9), added to D's loss; γ = weight, 10 in the official configurations
    (github.com/LMescheder/GAN_stability, configs/*.yaml: reg_param 10). D(x) is the logit (the network before
    any sigmoid); `discriminator` is any callable from a batch to scores (for a conditional D, close over the
    labels).

    Why it helps: near the equilibrium p_g = p_data, unregularised GAN training circles around it instead of
    converging (the paper's Dirac-GAN), because D keeps a slope on the data that G then overshoots. R₁ makes D
    flat on the real data, which makes the equilibrium locally stable. Unlike WGAN-GP's penalty it is taken at
    the real samples only, towards a zero gradient (not a unit norm), and on the squared norm, so no square
    root (and no NORM_FLOOR) is needed. As that penalty it is per sample: batch norm in D couples the samples
    (warn_if_batch_norm)."""
    gradients = input_gradients(discriminator, real.detach())
    per_sample = gradients.reshape(gradients.shape[0], -1)
    return 0.5 * weight * (per_sample * per_sample).sum(dim=1).mean()


# ---- Mao et al. 2017 (LSGAN) --------------------------------------------------------------------
def least_squares_discriminator_loss(real_scores, fake_scores, real_target=1.0, fake_target=0.0):
    """½·E[(D(x) − b)²] + ½·E[(D(G(z)) − a)²] with b = real_target, a = fake_target."""
    return 0.5 * ((real_scores - real_target) ** 2).mean() + 0.5 * ((fake_scores - fake_target) ** 2).mean()


def least_squares_generator_loss(fake_scores, target=1.0):
    """½·E[(D(G(z)) − c)²]: c = target is the value G wants D to give its samples."""
    return 0.5 * ((fake_scores - target) ** 2).mean()


# ---- Nowozin, Cseke & Tomioka 2016 (f-GAN) -------------------------------------------------------
class FDivergence:
    """One row of the f-GAN paper's Tables 1 and 2. For a convex f with f(1) = 0,

        D_f(P‖Q) = ∫ q(x) f(p(x)/q(x)) dx  ≥  sup_T  E_P[T(x)] − E_Q[f*(T(x))]          (eq. 4)

    where f*(t) = sup_u {ut − f(u)} is f's convex conjugate; the bound is tight at T*(x) = f′(p(x)/q(x)).
    The critic's raw output v = V_ω(x) is mapped into dom f* by the output activation g_f, T_ω(x) = g_f(V_ω(x)).

    Each row gives `activation(v)` = g_f(v) and `conjugate(v)` = f*(g_f(v)), the latter simplified by hand: the
    composition cancels exponentials and logarithms whose round trip overflows or loses every digit (reverse
    KL's −1 − log(e^−v), Hellinger's t/(1 − t) at t = 1 − e^v), so both are exact wherever their value is a
    float. Where the value itself is exponential in v (KL's e^(v−1), Hellinger's e^−v), it overflows only
    beyond |v| ≈ 88 in float32, a critic that has already diverged.
    """

    @staticmethod
    def activation(v):
        """T = g_f(v)."""
        raise NotImplementedError

    @staticmethod
    def conjugate(v):
        """f*(g_f(v))."""
        raise NotImplementedError


class KullbackLeibler(FDivergence):
    """KL(P‖Q) = ∫ p log(p/q).  f(u) = u log u,  f*(t) = e^(t−1),  g_f(v) = v,
    T* = 1 + log(p/q), reached at v* = 1 + log(p/q)."""

    @staticmethod
    def activation(v):
        return v

    @staticmethod
    def conjugate(v):
        """e^(v−1)."""
        return (v - 1).exp()


class ReverseKullbackLeibler(FDivergence):
    """KL(Q‖P) = ∫ q log(q/p).  f(u) = −log u,  f*(t) = −1 − log(−t) on t < 0,  g_f(v) = −e^−v,
    T* = −q/p, reached at v* = log(p/q)."""

    @staticmethod
    def activation(v):
        return -(-v).exp()

    @staticmethod
    def conjugate(v):
        """−1 − log(e^−v) = v − 1."""
        return v - 1


class PearsonChiSquared(FDivergence):
    """χ²_P(P‖Q) = ∫ (p − q)²/q.  f(u) = (u − 1)²,  f*(t) = t²/4 + t,  g_f(v) = v,
    T* = 2(p/q − 1), reached at v* = 2(p/q − 1)."""

    @staticmethod
    def activation(v):
        return v

    @staticmethod
    def conjugate(v):
        """v²/4 + v."""
        return v * v * 0.25 + v


class SquaredHellinger(FDivergence):
    """H²(P, Q) = ∫ (√p − √q)².  f(u) = (√u − 1)²,  f*(t) = t/(1 − t) on t < 1,  g_f(v) = 1 − e^v,
    T* = 1 − √(q/p), reached at v* = ½ log(q/p)."""

    @staticmethod
    def activation(v):
        return 1 - v.exp()

    @staticmethod
    def conjugate(v):
        """(1 − e^v)/e^v = e^−v − 1."""
        return (-v).exp() - 1


class JensenShannon(FDivergence):
    """f(u) = u log u − (u + 1) log((u + 1)/2),  f*(t) = −log(2 − e^t) on t < log 2,
    g_f(v) = log 2 − log(1 + e^−v) = log 2 − softplus(−v),  T* = log(2p/(p + q)), reached at v* = log(p/q).

    With M = (P + Q)/2 this f gives D_f = KL(P‖M) + KL(Q‖M) = 2·JS(P, Q): Table 1 writes a ½ before the
    integral, but its f (and Table 2's f*) measure twice that; the bound of eq. 4 is tight at D_f as written here.
    It is the GAN row shifted by constants (T by log 2, f*(T) by −log 2, so F by log 4): the two train alike.
    """

    @staticmethod
    def activation(v):
        return math.log(2.0) - F.softplus(-v)

    @staticmethod
    def conjugate(v):
        """−log(2 − 2σ(v)) = −log 2 − log σ(−v) = softplus(v) − log 2."""
        return F.softplus(v) - math.log(2.0)


class GANDivergence(FDivergence):
    """The GAN objective: D_f = 2·JS(P, Q) − log 4 = ∫ p log(p/(p + q)) + q log(q/(p + q)).
    f(u) = u log u − (u + 1) log(u + 1),  f*(t) = −log(1 − e^t) on t < 0,  g_f(v) = −log(1 + e^−v) = log σ(v),
    T* = log(p/(p + q)), reached at v* = log(p/q). E_P[T] − E_Q[f*(T)] is then E_P[log D(x)] + E_Q[log(1 − D(x))]
    with D = σ(v): Goodfellow et al.'s value function, D's logit being v."""

    @staticmethod
    def activation(v):
        return -F.softplus(-v)

    @staticmethod
    def conjugate(v):
        """−log(1 − σ(v)) = softplus(v)."""
        return F.softplus(v)


F_DIVERGENCES = {"kl": KullbackLeibler, "reverse-kl": ReverseKullbackLeibler, "pearson": PearsonChiSquared,
                 "squared-hellinger": SquaredHellinger, "jensen-shannon": JensenShannon, "gan": GANDivergence}


def f_gan_critic_loss(real_scores, fake_scores, divergence):
    """−F(θ, ω) = −E_P[g_f(V(x))] + E_Q[f*(g_f(V(G(z))))] for an FDivergence row: the critic maximises F, the
    variational lower bound on D_f(P‖Q) (Nowozin et al. 2016, eq. 6), so its negative is the training's
    divergence estimate."""
    return divergence.conjugate(fake_scores).mean() - divergence.activation(real_scores).mean()


def f_gan_saddle_point_generator_loss(fake_scores, divergence):
    """−E_Q[f*(g_f(V(G(z))))]: the term of F that depends on θ, which Algorithm 1 descends."""
    return -divergence.conjugate(fake_scores).mean()


def f_gan_generator_loss(fake_scores, divergence):
    """−E_Q[g_f(V(G(z)))]: §3.2's practical objective, G maximising the variational function on its samples (for
    the GAN divergence −E log σ(v), the non-saturating loss). It keeps the saddle point's stationary point and
    pushes hardest where the critic rejects the fakes."""
    return -divergence.activation(fake_scores).mean()


# ---- Chen et al. 2016 (InfoGAN) ---------------------------------------------------------------------
def categorical_code_loss(logits, codes):
    """−E[log Q(c | x)] for a categorical code c, one-hot in `codes` (N, K), and Q(c | x) = softmax(logits):
    the cross-entropy −(1/N) Σ_i Σ_k c_ik log softmax(l_i)_k, in nats. With H(c) = log K for a uniform c,
    log K minus it is the lower bound L_I on the mutual information I(c; G(z, c)) (eq. 5)."""
    return F.cross_entropy(logits, codes)


def continuous_code_loss(codes, mean, log_variance=None):
    """−E[log Q(c | x)] for continuous codes c (N, M) under a factored Gaussian Q(c | x) = Π_j N(c_j; μ_j, σ_j²):

        (1/N) Σ_i Σ_j [½ log 2π + ½ log σ_ij² + (c_ij − μ_ij)²/(2σ_ij²)]

    with Q's log-variances in `log_variance`, or σ = 1 where it is None: the official code's fixed standard
    deviation (Uniform(1, fix_std=True)), which leaves ½‖c − μ‖² plus a constant, a mean squared error."""
    error = codes - mean
    if log_variance is None:
        per_code = 0.5 * math.log(2 * math.pi) + 0.5 * error * error
    else:
        per_code = 0.5 * math.log(2 * math.pi) + 0.5 * log_variance + 0.5 * error * error * (-log_variance).exp()
    return per_code.sum(dim=1).mean()
