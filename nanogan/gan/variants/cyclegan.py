"""CycleGAN (Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks"): two mappings between image domains X and Y, learnt from unpaired examples of each.

G: X → Y and F: Y → X, each with a discriminator: D_Y tells real y from G(x), D_X real x from F(y). Adversarial
losses alone would let G send every x to any plausible y; the cycle-consistency loss asks that translating
there and back return the input, F(G(x)) ≈ x and G(F(y)) ≈ y. The full objective (eq. 3, with the
least-squares adversarial loss of §4 in place of eq. 1's cross-entropy):

    L(G, F, D_X, D_Y) = L_GAN(G, D_Y) + L_GAN(F, D_X) + λ·L_cyc(G, F) + λ_id·L_identity(G, F)

    L_cyc(G, F)       = E_x ‖F(G(x)) − x‖₁ + E_y ‖G(F(y)) − y‖₁                                  (eq. 2)
    L_identity(G, F)  = E_y ‖G(y) − y‖₁ + E_x ‖F(x) − x‖₁     (Taigman et al. 2017; §5.2: it keeps the
                        colours of a painting in the photo made from it)

each ‖·‖₁ averaged over the pixels, as the official code's L1Loss. One training iteration on a batch (x, y):

    D_Y ← Adam(∇ ½[E (D_Y(y) − 1)² + E D_Y(ỹ)²]),   ỹ from the pool of earlier G(x)        critic_step((x, y))
    D_X ← Adam(∇ ½[E (D_X(x) − 1)² + E D_X(x̃)²]),   x̃ from the pool of earlier F(y)
    G, F ← Adam(∇ [E (D_Y(G(x)) − 1)² + E (D_X(F(y)) − 1)² + λ·L_cyc + λ_id·L_identity])    generator_step(m)

§4's two tricks against oscillation: D's objective is halved, which slows D relative to G; and D trains on a
history of 50 generated images rather than only the newest ones (Shrivastava et al. 2017; ImagePool below). The
lr is constant for 100 epochs, then decays linearly towards 0 over 100 more (the schedule below).

How it fits Variant (one G, one D, a critic step then a generator step): G is a module holding both generators
(G.G and G.F), D one holding both discriminators (D.D_Y and D.D_X; nanogan.models.cyclegan), so the one
optimiser per kind, the state dict, checkpoints and the Trainer work unchanged; the official code too has one
Adam over G and F and one over D_X and D_Y (Adam is per parameter, so one optimiser over two networks is two
optimisers). A batch is a tuple (x, y) of unpaired images (nanogan.data.UnpairedLoader). G's inputs are real
images, not noise, so the generator step trains on the batch of the critic step before it, which the variant
keeps until then. The Trainer runs D's step first, as for every variant; the official code updates G first,
then D. Both train D on the G(x) of the same iteration, made before G's update; the difference is that here G
reads D's gradient after D's update of the iteration, there before it. Making G(x) once for D (outside the
graph) and once for G costs one more forward pass of each generator than the official code's shared one.

Checkpoints: the state dict holds, besides the networks and optimisers, both pools' images, the batch a
generator step is still due on (a run stopped between the two steps resumes on it), and the number of
generator iterations done (the lr schedule's position): a resumed run continues bit for bit.

The lr schedule, LambdaLR with the official code's rule (networks.get_scheduler, "linear"):

    lr(epoch e) = lr₀ · (1 − max(0, e + 1 − n_constant) / (n_decay + 1)),   e = 0, 1, ...

lr₀ for epochs 0 … 99, then lr₀·100/101, …, lr₀/101 in epoch 199, for a scheduler stepped at the end of each
epoch (the official train.py has also stepped it at an epoch's start, which moves the decay one epoch earlier
and trains the last epoch at lr 0). The Trainer counts generator iterations, not epochs, and an
epoch's length belongs to the data, not the paper: so the schedule is stepped after every generator iteration
at e = ⌊iterations done / iterations_per_epoch⌋, a constructor argument (len(UnpairedLoader), the larger
domain's batches, as the official code's epoch; any positive number, so that a short run can spread the
schedule's 200 epochs over its length). Past the last epoch the lr stays at 0.
"""
import math
from dataclasses import dataclass

import numpy as np

from ...arguments import is_finite, is_int, is_number, require
from ...autograd import no_grad
from ...nn.functional import l1_loss
from ...ops.shape import cat
from ...optim.lr_scheduler import LambdaLR
from ...random import numpy_generator
from ...tensor import Tensor
from ..losses import least_squares_discriminator_loss
from .base import Preset, Variant, frozen

REAL, FAKE = 1.0, 0.0  # the least-squares targets: LSGAN's 0-1 coding (Mao et al. 2017, eq. 9)


class ImagePool:
    """A history of generated images for D (Shrivastava et al. 2017, §2.3), as the official code's ImagePool:

        for each new image:  while fewer than `size` are stored, store it and return it;
                             then with probability ½ return a stored one, chosen uniformly, and store the new
                             one in its place; otherwise return the new one.

    D then sees, on average, half current and half earlier images, so it cannot simply chase G's latest move.
    `size` 0 turns the pool off. The draws come from nanogan.random's generator, which checkpoints save; the
    stored images are in the variant's state dict."""

    def __init__(self, size):
        self.size = size
        self.images = []  # tensors of one image each, (1, C, H, W), outside the graph

    @no_grad()
    def query(self, images):
        """The images D is shown for the batch `images` (N, C, H, W) of new ones: N of them, in order."""
        if self.size == 0:
            return images
        rng, shown = numpy_generator("ImagePool.query"), []
        for i in range(images.shape[0]):
            image = images[i:i + 1].clone()  # a slice would keep its whole batch alive in the pool
            if len(self.images) < self.size:
                self.images.append(image)
                shown.append(image)
            elif rng.random() > 0.5:
                stored = int(rng.integers(self.size))
                shown.append(self.images[stored])
                self.images[stored] = image
            else:
                shown.append(image)
        return cat(shown, dim=0)

    def state_dict(self):
        return {"size": self.size, "images": np.concatenate([image.numpy() for image in self.images])
                if self.images else None}

    def load_state_dict(self, state, as_input):
        """Take back state_dict()'s images; `as_input` puts an array on the models' device (Variant.as_input)."""
        if state["size"] != self.size:
            raise ValueError(f"ImagePool.load_state_dict: the state is of a pool of {state['size']} images, this "
                             f"pool holds {self.size}")
        images = state["images"]
        self.images = [] if images is None else [as_input(images[i:i + 1]) for i in range(len(images))]


@dataclass(frozen=True)
class CycleGANPreset(Preset):
    """cycle_weight λ; identity_ratio λ_id/λ (the official --lambda_identity: the identity term weighs
    identity_ratio·λ, 0 leaves it out); pool_size, the generated images each pool keeps; constant_epochs and
    decay_epochs, the lr schedule's n_constant and n_decay."""
    cycle_weight: float = 10.0
    identity_ratio: float = 0.5
    pool_size: int = 50
    constant_epochs: int = 100
    decay_epochs: int = 100

    def validate(self, owner):
        """A negative weight rewards what the term penalises; a NaN one turns every weight NaN."""
        super().validate(owner)
        for name in ("cycle_weight", "identity_ratio"):
            require(owner, name, getattr(self, name), lambda v: is_finite(v) and v >= 0, "a finite number >= 0")
        for name in ("pool_size", "constant_epochs", "decay_epochs"):
            require(owner, name, getattr(self, name), lambda v: is_int(v) and v >= 0, "an int >= 0")


_PAPER = ("Zhu et al. 2017, §4 (least-squares GAN loss, λ 10, D's objective halved, a pool of 50 "
          "generated images, Adam lr 2e-4, batch 1, lr constant for 100 epochs then linearly to 0 over 100)")
_OFFICIAL = ("github.com/junyanz/pytorch-CycleGAN-and-pix2pix defaults (--gan_mode lsgan, --lambda_A/B 10, "
             "--lambda_identity 0.5, --pool_size 50, --lr 0.0002, --beta1 0.5, --batch_size 1, --n_epochs 100, "
             "--n_epochs_decay 100)")


class CycleGAN(Variant):
    """`CycleGAN(generators, discriminators, iterations_per_epoch=n)`: the official code's defaults, with the
    identity term at 0.5·λ (which the paper uses for painting → photo, §5.2); `"paper"`: without it, as the paper's
    other translations. `generators` holds G and F, `discriminators` D_Y and D_X (models.cyclegan_networks)."""

    presets = {
        "official": CycleGANPreset(source=_OFFICIAL, optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=1,
                                   cycle_weight=10.0, identity_ratio=0.5, pool_size=50),
        "paper": CycleGANPreset(source=f"{_PAPER}; no identity term (used for painting → photo only, §5.2); "
                                       f"Adam's β1 0.5 is the official code's",
                                optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=1, cycle_weight=10.0,
                                identity_ratio=0.0, pool_size=50),
    }

    def __init__(self, generators, discriminators, preset=None, *, iterations_per_epoch, **overrides):
        for role, module, parts in (("generators", generators, ("G", "F")),
                                    ("discriminators", discriminators, ("D_Y", "D_X"))):
            if not all(hasattr(module, part) for part in parts):
                raise TypeError(f"CycleGAN: the {role} must be one module with the networks {' and '.join(parts)} "
                                f"as attributes (models.CycleGANGenerators / CycleGANDiscriminators), got "
                                f"{type(module).__name__}")
        require("CycleGAN", "iterations_per_epoch", iterations_per_epoch,
                lambda v: is_number(v) and math.isfinite(v) and v > 0, "a finite number > 0")
        super().__init__(generators, discriminators, preset, **overrides)
        self.iterations_per_epoch = iterations_per_epoch
        self.pool_y, self.pool_x = ImagePool(self.settings.pool_size), ImagePool(self.settings.pool_size)
        self.pending_batch = None  # the (x, y) of the latest critic step, for the generator step after it
        self._start_lr_schedules(iterations_done=0)

    def latent_dim_of(self, generator):
        return None  # G and F read images, not z

    # ---- the lr schedule ---------------------------------------------------------------------------------
    def lr_factor(self, iterations_done):
        """λ of LambdaLR after `iterations_done` generator iterations: the rule above at epoch e."""
        epoch = math.floor(iterations_done / self.iterations_per_epoch)
        decayed = max(0, epoch + 1 - self.settings.constant_epochs) / (self.settings.decay_epochs + 1)
        return max(0.0, 1.0 - decayed)

    def _start_lr_schedules(self, iterations_done):
        """A LambdaLR per optimiser, set to the lr of iteration `iterations_done` (last_epoch = iterations_done − 1,
        as a resumed PyTorch scheduler is made; the base lr is the groups' initial_lr)."""
        self.lr_schedules = [LambdaLR(optimizer, self.lr_factor, last_epoch=iterations_done - 1)
                             for optimizer in (self.opt_G, self.opt_D)]

    @property
    def iterations_done(self):
        return self.lr_schedules[0].last_epoch

    # ---- the two steps -----------------------------------------------------------------------------------
    def critic_step(self, batch):
        """D_Y, D_X ← Adam(∇ ½[E (D_Y(y) − 1)² + E D_Y(ỹ)²] + ½[E (D_X(x) − 1)² + E D_X(x̃)²]) on the batch
        (x, y), ỹ and x̃ the pools' answers to G(x) and F(y); keeps (x, y) for the generator step."""
        x, y = self.real_pair(batch)
        fake_y, fake_x = self.translate(x, y)
        shown_y = self.pool_y.query(fake_y)  # Y's pool first, as the official code updates D_Y (its D_A) first
        loss = self.discriminator_loss(x, y, self.pool_x.query(fake_x), shown_y)
        numbers = {"d_loss": loss.detach(), "d_grad_norm": self.update(self.opt_D, self.D, loss)}
        self.pending_batch = (x, y)
        return numbers

    def generator_step(self, batch_size):
        """G, F ← Adam(∇ L_G) on the batch of the latest critic step (D frozen); then the lr schedule's step."""
        self.refuse_top_k()  # the cycle and identity terms are per image too
        x, y = self._take_pending_batch(batch_size)
        with frozen(self.D):
            losses = self.generator_losses(x, y)
            norm = self.update(self.opt_G, self.G, losses["g_loss"])
        for schedule in self.lr_schedules:
            schedule.step()
        return {**{name: loss.detach() for name, loss in losses.items()}, "g_grad_norm": norm}

    def discriminator_loss(self, x, y, fake_x, fake_y):
        """½[E (D_Y(y) − 1)² + E D_Y(ỹ)²] + ½[E (D_X(x) − 1)² + E D_X(x̃)²], each mean over the patch scores."""
        D_Y, D_X = self.D.D_Y, self.D.D_X
        return (least_squares_discriminator_loss(D_Y(y), D_Y(fake_y), REAL, FAKE)
                + least_squares_discriminator_loss(D_X(x), D_X(fake_x), REAL, FAKE))

    def generator_losses(self, x, y):
        """{"g_loss": L_G, and its terms unweighted}: L_G = L_GAN + λ·L_cyc + λ_id·L_identity with
        L_GAN = E (D_Y(G(x)) − 1)² + E (D_X(F(y)) − 1)², the least-squares generator loss (unhalved, the official
        MSELoss), and L_cyc, L_identity as above; the identity term only where λ_id > 0."""
        G, F, D_Y, D_X = self.G.G, self.G.F, self.D.D_Y, self.D.D_X
        fake_y, fake_x = G(x), F(y)
        losses = {"adversarial_loss": ((D_Y(fake_y) - REAL) ** 2).mean() + ((D_X(fake_x) - REAL) ** 2).mean(),
                  "cycle_loss": l1_loss(F(fake_y), x) + l1_loss(G(fake_x), y)}
        total = losses["adversarial_loss"] + self.settings.cycle_weight * losses["cycle_loss"]
        identity_weight = self.settings.identity_ratio * self.settings.cycle_weight
        if identity_weight > 0:
            losses["identity_loss"] = l1_loss(G(y), y) + l1_loss(F(x), x)
            total = total + identity_weight * losses["identity_loss"]
        return {"g_loss": total, **losses}

    @no_grad()
    def translate(self, x, y):
        """(G(x), F(y)) outside the graph."""
        return self.G.G(x), self.G.F(y)

    # ---- batches and fixed inputs ------------------------------------------------------------------------
    def real_pair(self, batch, who="CycleGAN.critic_step"):
        """(x, y) of a critic step's batch as tensors on the models' device and dtype: m images of each domain,
        shaped (m, C, H, W). `who` names the caller in errors."""
        if not (isinstance(batch, tuple) and len(batch) == 2):
            raise TypeError(f"{who}: expected a batch (x, y) of unpaired images of domains X and Y "
                            f"(nanogan.data.UnpairedLoader gives them), got {type(batch).__name__}")
        for name, images in zip("xy", batch):
            if not isinstance(images, (np.ndarray, Tensor)):
                raise TypeError(f"{who}: expected {name} as a numpy array or Tensor of shape (m, C, H, W), got "
                                f"{type(images).__name__}")
            if images.ndim != 4 or images.shape[0] < 1:
                raise ValueError(f"{who}: expected {name} as images of shape (m, C, H, W), m >= 1, got shape "
                                 f"{tuple(images.shape)}")
        x, y = batch
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"{who}: expected as many images of each domain, got x of shape {tuple(x.shape)} and "
                             f"y of shape {tuple(y.shape)}")
        return self.as_input(x), self.as_input(y)

    def _take_pending_batch(self, batch_size):
        if self.pending_batch is None:
            raise RuntimeError("CycleGAN.generator_step: G and F train on the real images of the critic step before "
                               "(their inputs are images, not noise); call critic_step((x, y)) first")
        x, y = self.pending_batch
        if batch_size != x.shape[0]:
            raise ValueError(f"CycleGAN.generator_step: batch_size={batch_size!r}, but the critic step's batch has "
                             f"x of shape {x.shape} and y of shape {y.shape}")
        self.pending_batch = None
        return x, y

    def fixed_latent(self, n, seed=0):
        raise TypeError("CycleGAN translates real images and draws no z: give the Trainer fixed_inputs=(x, y), "
                        "images of each domain, for its snapshots")

    def fixed_inputs_from(self, arrays):
        """(x, y), real images of each domain, as tensors on the models' device."""
        x, y = arrays
        return self.real_pair((x, y), who="CycleGAN: the fixed inputs")

    @no_grad()
    def sample(self, latent):
        """For fixed images (x, y), the rows x, G(x), F(G(x)), y, F(y), G(F(y)) stacked as one numpy batch of
        6·n images: a grid n wide shows one per row."""
        x, y = latent
        G, F = self.G.G, self.G.F
        fake_y, fake_x = G(x), F(y)
        return cat([x, fake_y, F(fake_y), y, fake_x, G(fake_x)], dim=0).numpy()

    # ---- checkpoints -------------------------------------------------------------------------------------
    def state_dict(self):
        pending = None if self.pending_batch is None else [images.numpy() for images in self.pending_batch]
        return {**super().state_dict(), "pool_x": self.pool_x.state_dict(), "pool_y": self.pool_y.state_dict(),
                "pending_batch": pending, "iterations_done": self.iterations_done}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.pool_x.load_state_dict(state["pool_x"], self.as_input)
        self.pool_y.load_state_dict(state["pool_y"], self.as_input)
        pending = state["pending_batch"]
        self.pending_batch = None if pending is None else tuple(self.as_input(images) for images in pending)
        self._start_lr_schedules(state["iterations_done"])
