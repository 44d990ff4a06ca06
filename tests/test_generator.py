"""Explicit random generators, as torch's: ng.Generator and the generator= of every function that draws. The numbers
are not PyTorch's (other algorithms); what is checked: a generator's draws follow from its seed alone, drawing with
one leaves the global generator where it was (and the reverse), states round trip, and anything but a Generator is
refused by the function's name. Evaluation code that samples fixed noise with its own generator relies on all four."""
import numpy as np
import pytest
from scipy import stats

import nanogan as ng
from harness import refused_as_by_torch

# Every function that takes generator=, called the same way through ng or torch (`lib`) with generator `g`; 64 draws
# or more each, so that two different streams giving the same result is out of the question.
DRAWS = {
    "rand": lambda lib, g: lib.rand(8, 8, generator=g),
    "randn": lambda lib, g: lib.randn(64, generator=g),
    "randint": lambda lib, g: lib.randint(0, 1000, (64,), generator=g),
    "randperm": lambda lib, g: lib.randperm(64, generator=g),
    "rand_like": lambda lib, g: lib.rand_like(lib.zeros(64), generator=g),
    "randn_like": lambda lib, g: lib.randn_like(lib.zeros(64), generator=g),
    "randint_like": lambda lib, g: lib.randint_like(lib.zeros(64), 1000, generator=g),
    "bernoulli": lambda lib, g: lib.bernoulli(lib.full((256,), 0.5), generator=g),
    "multinomial": lambda lib, g: lib.multinomial(lib.ones(4, 100), 30, generator=g),
    "Tensor.bernoulli": lambda lib, g: lib.full((256,), 0.5).bernoulli(generator=g),
    "Tensor.multinomial": lambda lib, g: lib.ones(100).multinomial(64, True, generator=g),
    "normal_": lambda lib, g: lib.zeros(64).normal_(2.0, 3.0, generator=g),
    "uniform_": lambda lib, g: lib.zeros(64).uniform_(-1.0, 1.0, generator=g),
    "exponential_": lambda lib, g: lib.zeros(64).exponential_(2.0, generator=g),
    "random_": lambda lib, g: lib.zeros(64).random_(0, 1000, generator=g),
    "bernoulli_": lambda lib, g: lib.zeros(256).bernoulli_(0.5, generator=g),
    "nn.init.uniform_": lambda lib, g: lib.nn.init.uniform_(lib.zeros(8, 8), generator=g),
    "nn.init.normal_": lambda lib, g: lib.nn.init.normal_(lib.zeros(8, 8), generator=g),
    "nn.init.orthogonal_": lambda lib, g: lib.nn.init.orthogonal_(lib.zeros(8, 8), generator=g),
    "nn.init.kaiming_uniform_": lambda lib, g: lib.nn.init.kaiming_uniform_(lib.zeros(8, 8), generator=g),
    "nn.init.kaiming_normal_": lambda lib, g: lib.nn.init.kaiming_normal_(lib.zeros(8, 8), generator=g),
    "nn.init.xavier_uniform_": lambda lib, g: lib.nn.init.xavier_uniform_(lib.zeros(8, 8), generator=g),
    "nn.init.xavier_normal_": lambda lib, g: lib.nn.init.xavier_normal_(lib.zeros(8, 8), generator=g),
    "nn.init.trunc_normal_": lambda lib, g: lib.nn.init.trunc_normal_(lib.zeros(8, 8), generator=g),
    "normal": lambda lib, g: lib.normal(lib.zeros(64), lib.ones(64), generator=g),
    "poisson": lambda lib, g: lib.poisson(lib.full((64,), 3.0), generator=g),
    "log_normal_": lambda lib, g: lib.zeros(64).log_normal_(generator=g),
    "cauchy_": lambda lib, g: lib.zeros(64).cauchy_(generator=g),
    "geometric_": lambda lib, g: lib.zeros(64).geometric_(0.3, generator=g),
}
each_draw = pytest.mark.parametrize("name", sorted(DRAWS))


def draw(name, generator=None):
    return DRAWS[name](ng, generator).numpy()


def test_torch_takes_generator_in_every_call_that_nanogan_takes_it_in():
    """The table above is the same code under torch: a ported call with generator= runs, giving the same shape."""
    torch = pytest.importorskip("torch")
    for name, call in DRAWS.items():
        theirs = call(torch, torch.Generator().manual_seed(0))
        assert draw(name, ng.Generator().manual_seed(0)).shape == tuple(theirs.shape), name


@each_draw
def test_a_generators_draws_follow_from_its_seed(name):
    g = ng.Generator().manual_seed(5)
    first, second = draw(name, g), draw(name, g)
    assert not np.array_equal(first, second)  # the stream moves on
    assert g.manual_seed(5) is g
    np.testing.assert_array_equal(draw(name, g), first)
    np.testing.assert_array_equal(draw(name, g), second)
    assert not np.array_equal(draw(name, ng.Generator().manual_seed(6)), first)


@each_draw
def test_drawing_with_a_generator_leaves_the_global_one_where_it_was(name):
    ng.manual_seed(1)
    global_draws = ng.rand(16).numpy()
    ng.manual_seed(1)
    draw(name, ng.Generator().manual_seed(2))
    np.testing.assert_array_equal(ng.rand(16).numpy(), global_draws)


@each_draw
def test_drawing_from_the_global_generator_leaves_a_generator_where_it_was(name):
    g = ng.Generator().manual_seed(3)
    expected = draw(name, g)
    g.manual_seed(3)
    ng.manual_seed(3)
    ng.randn(16), draw(name), ng.nn.functional.dropout(ng.ones(16))  # the global stream moves on; g's does not
    np.testing.assert_array_equal(draw(name, g), expected)


@each_draw
def test_no_generator_is_the_global_one_which_draws_as_a_generator_of_its_seed_does(name):
    assert ng.manual_seed(4) is ng.default_generator
    np.testing.assert_array_equal(draw(name), draw(name, ng.Generator().manual_seed(4)))


@each_draw
def test_anything_but_a_generator_is_refused_by_the_functions_name(name):
    function = name.split(".")[-1]
    for wrong in (0, np.random.default_rng(0), "cpu"):
        with pytest.raises(TypeError, match=rf"^{function}: expected generator to be a nanogan Generator or None, "
                                            rf"got {type(wrong).__name__}$"):
            draw(name, wrong)


def test_a_torch_generator_is_refused_as_not_a_nanogan_one():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="randn: expected generator to be a nanogan Generator or None, got Generator"):
        ng.randn(3, generator=torch.Generator())


def test_the_state_round_trips_and_is_a_snapshot():
    g = ng.Generator().manual_seed(9)
    ng.randn(5, generator=g)
    state = g.get_state()
    expected = ng.randn(5, generator=g).numpy()
    ng.randn(7, generator=g)
    assert g.get_state() != state  # what get_state returned did not move with the stream
    assert g.set_state(state) is g
    np.testing.assert_array_equal(ng.randn(5, generator=g).numpy(), expected)
    other = ng.Generator().set_state(state)  # a state moves a stream to another generator
    np.testing.assert_array_equal(ng.randn(5, generator=other).numpy(), expected)


def test_the_global_state_is_the_default_generators_and_round_trips():
    ng.manual_seed(8)
    state = ng.get_rng_state()
    assert state == ng.default_generator.get_state()
    expected = ng.rand(6).numpy()
    ng.set_rng_state(state)
    np.testing.assert_array_equal(ng.rand(6).numpy(), expected)


@pytest.mark.parametrize("set_state, name", [(ng.Generator().set_state, "Generator.set_state"),
                                             (ng.set_rng_state, "set_rng_state")])
def test_a_state_that_get_state_did_not_give_is_refused(set_state, name):
    for wrong in (5, {"bit_generator": "MT19937"}, np.zeros(8, dtype=np.uint8)):
        with pytest.raises(TypeError, match=rf"{name}: expected a state from get_state\(\).*got "
                                            rf"{type(wrong).__name__}"):
            set_state(wrong)


def test_seeds_initial_seed_and_device():
    g = ng.Generator()
    assert g.initial_seed() == 67280421310721 and g.device == "cpu" and g.device.type == "cpu"  # torch's
    assert g.manual_seed(7).initial_seed() == 7
    seed = g.seed()
    assert isinstance(seed, int) and 0 <= seed < 2 ** 64 and g.initial_seed() == seed and g.seed() != seed
    drawn = ng.rand(4, generator=g).numpy()
    np.testing.assert_array_equal(ng.rand(4, generator=g.manual_seed(g.initial_seed())).numpy(), drawn)
    assert ng.manual_seed(11).initial_seed() == ng.initial_seed() == 11
    global_seed = ng.seed()
    assert ng.initial_seed() == global_seed and ng.default_generator.initial_seed() == global_seed
    with pytest.raises(ValueError, match="Generator.manual_seed: seed must be"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="device 'tpu'"):
        ng.Generator(device="tpu")


@pytest.mark.parametrize("seed", [-1, -5, -2 ** 63, 2 ** 64 - 1, 0])
def test_a_negative_seed_is_the_unsigned_one_2_to_the_64_above_as_torchs(seed):
    torch = pytest.importorskip("torch")
    unsigned = torch.Generator().manual_seed(seed).initial_seed()
    assert ng.Generator().manual_seed(seed).initial_seed() == unsigned == seed % 2 ** 64
    np.testing.assert_array_equal(ng.rand(3, generator=ng.Generator().manual_seed(seed)).numpy(),
                                  ng.rand(3, generator=ng.Generator().manual_seed(unsigned)).numpy())
    found_seed, found_state = ng.initial_seed(), ng.get_rng_state()
    try:
        assert ng.manual_seed(seed).initial_seed() == ng.initial_seed() == unsigned
    finally:  # the global generator as the other tests found it
        ng.manual_seed(found_seed)
        ng.set_rng_state(found_state)


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1])
def test_a_seed_beyond_64_bits_is_refused_as_by_torch(seed):
    refused_as_by_torch(lambda lib: lib.Generator().manual_seed(seed), ValueError,
                        r"Generator.manual_seed: seed must be an int in \[-2\*\*63, 2\*\*64\)")
    refused_as_by_torch(lambda lib: lib.manual_seed(seed), ValueError, r"^manual_seed: seed must be an int in")


def test_a_cuda_generator_draws_for_any_device_as_a_cpu_one_of_its_seed():
    """Draws are made on the host: the generator's device is a label, so ported code that makes its generator on
    the model's device runs, and gives the numbers of a cpu generator of its seed."""
    cuda = ng.Generator(device="cuda").manual_seed(2)
    assert cuda.device == "cuda" and cuda.device.type == "cuda"
    np.testing.assert_array_equal(ng.randn(8, generator=cuda).numpy(),
                                  ng.randn(8, generator=ng.Generator("cpu").manual_seed(2)).numpy())


def test_fixed_evaluation_noise_is_the_same_however_much_training_drew():
    """The use that asked for generators: a fixed z for evaluation from its own generator, while training keeps
    drawing from the global one."""
    def evaluation_noise():
        return ng.randn(4, 16, generator=ng.Generator().manual_seed(1234)).numpy()

    ng.manual_seed(0)
    before = evaluation_noise()
    ng.randn(100), ng.nn.functional.dropout(ng.ones(50))
    np.testing.assert_array_equal(evaluation_noise(), before)


def test_randint_like_takes_only_high_as_torchs_does():
    like = ng.randint_like(ng.zeros(500, dtype=ng.int64), 3)
    assert set(np.unique(like.numpy())) == {0, 1, 2}
    with pytest.raises(ValueError, match="randint_like: expected ints low < high, got low=3, high=3"):
        ng.randint_like(ng.zeros(2), 3, 3)


# Each distribution's draws against its CDF (Kolmogorov-Smirnov, 20,000 draws of a fixed seed; a wrong scale, shift
# or truncation moves the statistic far past what chance gives at p = 1e-3), the call made the same way in torch.
CONTINUOUS = {
    "normal_": (lambda lib: lib.zeros(20000, dtype=lib.float64).normal_(1.5, 2.0), stats.norm(1.5, 2.0)),
    "uniform_": (lambda lib: lib.zeros(20000, dtype=lib.float64).uniform_(-1.0, 3.0), stats.uniform(-1.0, 4.0)),
    "exponential_": (lambda lib: lib.zeros(20000, dtype=lib.float64).exponential_(2.5), stats.expon(scale=0.4)),
    "log_normal_": (lambda lib: lib.zeros(20000, dtype=lib.float64).log_normal_(0.5, 0.75),
                    stats.lognorm(0.75, scale=np.exp(0.5))),
    "cauchy_": (lambda lib: lib.zeros(20000, dtype=lib.float64).cauchy_(1.0, 0.5), stats.cauchy(1.0, 0.5)),
    "normal of tensors": (lambda lib: lib.normal(lib.full((20000,), -1.0, dtype=lib.float64), lib.full((1,), 0.5)),
                          stats.norm(-1.0, 0.5)),
    "normal of numbers": (lambda lib: lib.normal(2.0, 3.0, (20000,)), stats.norm(2.0, 3.0)),
    "nn.init.trunc_normal_": (lambda lib: lib.nn.init.trunc_normal_(lib.zeros(20000, dtype=lib.float64), 1.0, 2.0,
                                                                   -1.0, 4.0),
                              stats.truncnorm(-1.0, 1.5, loc=1.0, scale=2.0)),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_draws_follow_their_distribution_as_torchs_do(name):
    call, distribution = CONTINUOUS[name]
    ng.manual_seed(0)
    assert stats.kstest(call(ng).numpy(), distribution.cdf).pvalue > 1e-3
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    assert stats.kstest(call(torch).numpy(), distribution.cdf).pvalue > 1e-3  # the same parameters mean the same


@pytest.mark.parametrize("name, call, distribution", [
    ("poisson", lambda lib: lib.poisson(lib.full((20000,), 3.5)), stats.poisson(3.5)),
    ("geometric_", lambda lib: lib.zeros(20000, dtype=lib.int64).geometric_(0.3), stats.geom(0.3)),
])
def test_count_draws_follow_their_distribution_as_torchs_do(name, call, distribution):
    """Each count's frequency within 4.5 standard errors of its probability (over the counts of probability above
    1%); the support starts where the distribution's does (geometric at 1: trials up to the first success)."""
    for lib in (ng, pytest.importorskip("torch")):
        lib.manual_seed(1)
        counts = np.asarray(call(lib).numpy())
        assert counts.min() >= distribution.support()[0] and np.array_equal(counts, np.round(counts)), lib.__name__
        for k in range(int(distribution.ppf(0.999))):
            p = distribution.pmf(k)
            if p > 0.01:
                assert abs((counts == k).mean() - p) < 4.5 * np.sqrt(p * (1 - p) / counts.size), (lib.__name__, k)


def test_normal_takes_torchs_four_forms_with_their_shapes_and_dtypes():
    torch = pytest.importorskip("torch")
    forms = [lambda lib: lib.normal(lib.zeros(2, 3, dtype=lib.float64), lib.ones(3)),
             lambda lib: lib.normal(lib.zeros(2, 3), 0.5),
             lambda lib: lib.normal(1.0, lib.ones(4, dtype=lib.float64)),
             lambda lib: lib.normal(0.0, 1.0, (2, 5), dtype=lib.float64),
             lambda lib: lib.normal(0.0, 1.0, size=(3,))]
    for form in forms:
        ours, theirs = form(ng), form(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ng.normal(0.0, 1.0, (3,), requires_grad=True).requires_grad


def test_a_draw_is_outside_the_graph_so_the_parameters_get_no_gradient():
    mean, std = ng.zeros(3, requires_grad=True), ng.ones(3, requires_grad=True)
    for draw in (ng.normal(mean, std), ng.normal(mean, 1.0), ng.poisson(std)):
        assert not draw.requires_grad


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.zeros(3, dtype=lib.int64).normal_(), TypeError,
     r"normal_: expected a floating-point tensor, got int64 of shape \(3,\)"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(), TypeError, "uniform_: expected a floating-point tensor"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).log_normal_(), TypeError, "log_normal_: expected a floating-point"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).cauchy_(), TypeError, "cauchy_: expected a floating-point"),
    (lambda lib: lib.zeros(3, dtype=lib.bool).geometric_(0.5), TypeError, "geometric_: expected a non-bool tensor"),
    (lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(3, 3, dtype=lib.int64)), TypeError,
     "kaiming_normal_: expected a floating-point tensor"),
    (lambda lib: lib.zeros(3).normal_(0.0, -1.0), ValueError, "normal_: std must be a number >= 0, got -1.0"),
    (lambda lib: lib.nn.init.normal_(lib.zeros(3), 0.0, -1.0), ValueError, "normal_: std must be a number >= 0"),
    (lambda lib: lib.zeros(3).uniform_(1.0, 0.0), ValueError, r"uniform_: \(a, b\) must be finite numbers a <= b"),
    (lambda lib: lib.zeros(3).log_normal_(0.0, 0.0), ValueError, "log_normal_: std must be a number > 0"),
    (lambda lib: lib.zeros(3).cauchy_(0.0, -1.0), ValueError, "cauchy_: sigma must be a number > 0"),
    (lambda lib: lib.zeros(3).geometric_(1.0), ValueError, r"geometric_: p must be a probability in \(0, 1\)"),
    (lambda lib: lib.zeros(3).geometric_(0.0), ValueError, r"geometric_: p must be a probability in \(0, 1\)"),
    (lambda lib: lib.normal(0.0, 1.0), TypeError, "normal: with numbers for mean and std, give the result's size"),
    (lambda lib: lib.normal(0.0, -1.0, (3,)), ValueError, "normal: std must be a number >= 0"),
    (lambda lib: lib.normal(lib.zeros(3), lib.ones(4)), ValueError,
     r"normal: shapes \(3,\) and \(4,\) cannot be broadcast together"),
    (lambda lib: lib.normal(lib.zeros(3), lib.tensor([1.0, -1.0, 1.0])), ValueError,
     r"normal: std must be >= 0 everywhere, got otherwise in the tensor of shape \(3,\)"),
    (lambda lib: lib.normal(lib.zeros(3), float("nan")), ValueError, "normal: std must be a number >= 0"),
    (lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0), TypeError,
     r"normal: expected mean to be a floating-point tensor, got int64 of shape \(3,\)"),
    (lambda lib: lib.normal(lib.zeros(3), lib.ones(3), (3,)), TypeError, "normal: size, dtype, device and "),
    (lambda lib: lib.poisson(lib.tensor([1.0, -1.0])), ValueError,
     r"poisson: rates must be >= 0, got otherwise in the tensor of shape \(2,\)"),
    (lambda lib: lib.poisson(lib.tensor([1, 2])), TypeError, "poisson: expected floating-point rates, got int64"),
    (lambda lib: lib.nn.init.trunc_normal_(lib.zeros(3), 0.0, 1.0, 2.0, -2.0), ValueError,
     r"trunc_normal_: \(a, b\) must be numbers a <= b, got \(2.0, -2.0\)"),
])
def test_bad_draws_are_refused_as_torch_refuses_them(call, error, message):
    refused_as_by_torch(call, error, message)


def test_trunc_normal_with_a_non_positive_std_is_refused():
    """PyTorch divides by std: std=0 raises ZeroDivisionError, and a negative std draws from a wrong distribution."""
    for std in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"trunc_normal_: std must be a finite number > 0, got {std}"):
            ng.nn.init.trunc_normal_(ng.zeros(3), 0.0, std)
