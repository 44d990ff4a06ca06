"""How good are a GAN's MNIST or Fashion-MNIST samples? FID's recipe, scaled to 28×28 images and a CPU.

FID judges images with the features of Inception-v3, a network trained on ImageNet. Its counterpart here is a small
convolutional classifier trained on the data set itself (CLASSIFIER_STEPS minibatches, some 30 s on 2 cores), and
two numbers of G's samples:

    classifier_score    exp(E_x KL(p(y|x) ‖ p(y))): the Inception Score with this classifier (classifier_score.py),
                        at most 10; near the data's own score when the samples are clear and every class is drawn
    frechet_distance    d² between Gaussians fitted to the classifier's 128 penultimate features of the samples and
                        of real images it never trained on (frechet.py); near the data's own floor when the two
                        sets look alike

Both depend on how many samples are judged: compare numbers of one size, and read them against
`data_reference(n)`, the same numbers for n other real images. They are not comparable with published FIDs.

The classifier trains once per data set and split, from fixed seeds, and is kept in ~/.cache/nanogan/<data set>/
(written atomically). Training it leaves the global generator as it found it, so judging samples mid-run changes
nothing of the run.
"""
from pathlib import Path

import numpy as np

from .. import data, nn, optim
from ..autograd import no_grad
from ..nn import functional as F
from ..random import get_rng_state, manual_seed, set_rng_state
from ..tensor import tensor
from .classifier_score import classifier_score
from .frechet import frechet_distance, gaussian_statistics

CLASSIFIER_STEPS = 1200
CLASSIFIER_BATCH = 64
CLASSIFIER_LR = 1e-3
CLASSIFIER_SEED = 0
FEATURES = 128
EVALUATION_BATCH = 500
HELD_OUT_IMAGES = 2000
# part of the cache's file name: a new network or recipe must not load the weights of the old one
CLASSIFIER_VERSION = 1


class DigitClassifier(nn.Module):
    """Two stride-2 5×5 convolutions (32 and 64 channels, ReLU) and a hidden layer of FEATURES units: 28×28
    images in [0, 1] → the logits of 10 classes; features() is the hidden layer, what the Fréchet distance
    compares."""

    def __init__(self, classes=10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(32, 64, 5, stride=2, padding=2), nn.ReLU(),
            nn.Flatten(), nn.Linear(64 * 7 * 7, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, classes)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def train_classifier(images, labels, steps=None, seed=CLASSIFIER_SEED):
    """A DigitClassifier trained with Adam on cross-entropy for `steps` (by default CLASSIFIER_STEPS) minibatches of
    `images` (N, 1, 28, 28) in [0, 1] with their `labels`. Its weights and its batches come from `seed`; the global
    generator is restored after."""
    steps = CLASSIFIER_STEPS if steps is None else steps
    outer_state = get_rng_state()
    try:
        manual_seed(seed)
        classifier = DigitClassifier(classes=int(labels.max()) + 1)
        optimizer = optim.Adam(classifier.parameters(), lr=CLASSIFIER_LR)
        batches = data.DataLoader(images, labels.astype(np.int64), batch_size=CLASSIFIER_BATCH, seed=seed).infinite()
        for _ in range(steps):
            x, y = next(batches)
            loss = F.cross_entropy(classifier(tensor(x)), tensor(y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    finally:
        set_rng_state(outer_state)
    return classifier.eval()


class SampleQuality:
    """The judge of one data set's samples: `quality(samples)` → {"classifier_score", "frechet_distance"}.

    Made from real `images` (N, 1, 28, 28) in [0, 1] and their `labels`. A fixed shuffle sets two sets of
    HELD_OUT_IMAGES aside, which the classifier never trains on: the features of the first are the data's
    statistics that samples are compared with; the second is the data reference (data_reference()), real images
    judged as samples are. (Features of the images a classifier trained on sit closer together than those of
    any other images, so comparing samples with them would set the floor too low.) It trains its classifier on the
    rest, or takes a `classifier` trained so before; for_dataset() loads the data set and keeps the classifier in
    the cache."""

    def __init__(self, images, labels, classifier=None):
        images, labels = np.asarray(images, dtype=np.float32), np.asarray(labels)
        if images.ndim != 4 or images.shape[1:] != (1, 28, 28) or len(images) <= 2 * HELD_OUT_IMAGES:
            raise ValueError(f"SampleQuality: real images must have shape (N, 1, 28, 28) with N > "
                             f"{2 * HELD_OUT_IMAGES}, got {images.shape}")
        order = np.random.default_rng(CLASSIFIER_SEED).permutation(len(images))
        statistics, reference, training = np.split(order, [HELD_OUT_IMAGES, 2 * HELD_OUT_IMAGES])
        self.reference_images, self.reference_labels = images[reference], labels[reference]
        self.classifier = classifier or train_classifier(images[training], labels[training])
        self.data_statistics = gaussian_statistics(self._features_and_probabilities(images[statistics])[0])

    @classmethod
    def for_dataset(cls, name="mnist", data_dir=None, cache_dir=None):
        """The judge of data set `name` ("mnist" or "fashion-mnist"), trained on its train split (else its test
        split, as the examples train on), loaded from `cache_dir` (by default ~/.cache/nanogan/<name>/) when
        trained before, else trained and saved there."""
        images, labels, split = data.load_mnist_for_training(name, data_dir)
        images = data.images_to_float(images, (0.0, 1.0))
        path = Path(cache_dir or data.cache_dir(name)) / f"classifier-v{CLASSIFIER_VERSION}-{split}-{len(images)}.npz"
        if path.exists():
            classifier = DigitClassifier(classes=int(labels.max()) + 1)
            classifier.load(path)
            return cls(images, labels, classifier.eval())
        print(f"SampleQuality: training the classifier of {data.DATASETS[name].title} ({split} split, "
              f"{len(images) - 2 * HELD_OUT_IMAGES} images, {CLASSIFIER_STEPS} steps); kept in {path}")
        judge = cls(images, labels)
        judge.classifier.save(path)
        return judge

    @no_grad()
    def _features_and_probabilities(self, images):
        features, probabilities = [], []
        for start in range(0, len(images), EVALUATION_BATCH):
            hidden = self.classifier.features(tensor(images[start:start + EVALUATION_BATCH]))
            features.append(hidden.numpy())
            probabilities.append(F.softmax(self.classifier.head(hidden), dim=1).numpy())
        return np.concatenate(features), np.concatenate(probabilities)

    def __call__(self, samples, value_range=(0.0, 1.0)):
        """{"classifier_score", "frechet_distance"} of `samples` (n, 1, 28, 28), a numpy array or a tensor with
        pixels in `value_range` (a generator ending in tanh gives (-1, 1)); n >= 2."""
        samples = samples.numpy() if hasattr(samples, "numpy") else np.asarray(samples)
        if samples.ndim != 4 or samples.shape[1:] != (1, 28, 28) or len(samples) < 2:
            raise ValueError(f"SampleQuality: samples must have shape (n, 1, 28, 28) with n >= 2, got "
                             f"{samples.shape}")
        low, high = value_range
        unit = ((samples - low) / (high - low)).astype(np.float32)
        features, probabilities = self._features_and_probabilities(unit)
        return {"classifier_score": classifier_score(probabilities),
                "frechet_distance": frechet_distance(gaussian_statistics(features), self.data_statistics)}

    def data_reference(self, n=HELD_OUT_IMAGES):
        """The same two numbers for n real images the classifier never saw: what samples as good as the data
        would score, judged n at a time."""
        if not 2 <= n <= HELD_OUT_IMAGES:
            raise ValueError(f"SampleQuality.data_reference: n must lie in 2..{HELD_OUT_IMAGES}, got {n}")
        return self(self.reference_images[:n])

    def accuracy(self, images, labels):
        """The classifier's share of `images` (in [0, 1]) it labels right."""
        return float((self._features_and_probabilities(np.asarray(images, np.float32))[1].argmax(axis=1)
                      == np.asarray(labels)).mean())
