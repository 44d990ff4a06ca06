"""nanogan: a from-scratch numerical engine for generative adversarial networks.

    import nanogan as ng
    x = ng.randn(4, 3, requires_grad=True)
    (x * x).sum().backward()          # x.grad == 2 x
"""
import os

# numba's OpenMP workers otherwise keep spinning on their core after every parallel kernel, and here
# the next call is usually a BLAS product whose own threads need those cores (measured: a spinning
# worker burns ~7 ms of CPU per kernel on a 2-core machine). It is read once, when the first OpenMP
# runtime loads, so it is set here, before anything of ours imports numpy or numba; a value the user
# set wins, and a process that loaded OpenMP before importing nanogan (torch first) keeps its own.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .tensor import (Tensor, tensor, as_tensor, zeros, ones, full, empty, eye, linspace, arange, rand, randn, randint,
                     randperm, zeros_like, ones_like, full_like, empty_like, rand_like, randn_like, randint_like,
                     bernoulli, multinomial, normal, poisson, from_numpy, is_tensor, numel, finfo, iinfo, float32, float64,
                     int64, bool_, float16, int32, int16, int8, uint8, set_default_dtype, get_default_dtype)
from .backend import Device as device
from .random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,
                     set_rng_state)
from . import autograd, cuda
from .autograd import grad, no_grad, enable_grad, inference_mode, is_grad_enabled, set_grad_enabled
# torch's functions of tensors: ng.mean(x, 1) is x.mean(1)
from .ops.reduce import (sum, mean, max, min, amax, amin, argmax, argmin, prod, logsumexp, var, std, norm,
                         cosine_similarity, pairwise_distance, any, all, count_nonzero, var_mean, std_mean)
from .ops.shape import (cat, stack, reshape, flatten, permute, transpose, unsqueeze, squeeze, repeat, split, chunk,
                        clone, flip, meshgrid, gather, index_select, index_put, scatter, scatter_add,
                        scatter_reduce, tile, narrow, movedim, movedim as moveaxis, unflatten, roll)
from .ops.elementwise import (add, sub, mul, div, remainder, fmod, pow, neg, square, reciprocal, rsqrt, exp, expm1,
                              log, log1p, sqrt, erf, sin, cos, log2, log10, exp2, abs, sign, floor, ceil, round, trunc,
                              frac, minimum, maximum, lerp, clamp, clamp_min, clamp_max,
                              clamp as clip, where, masked_fill, eq, ne, lt, le, gt, ge, isnan, isfinite, allclose,
                              equal, addcmul, addcdiv, floor_divide, tan, asin, acos, atan, sinh, cosh, asinh, acosh,
                              atanh, asin as arcsin, acos as arccos, atan as arctan, asinh as arcsinh,
                              acosh as arccosh, atanh as arctanh, atan2, atan2 as arctan2, hypot, logaddexp, logit,
                              xlogy, deg2rad, rad2deg, sgn, signbit, heaviside, isinf, isposinf, isneginf,
                              logical_and, logical_or, logical_xor, logical_not, nan_to_num, bitwise_and,
                              bitwise_or, bitwise_xor, bitwise_not, isclose, div as true_divide)
from .ops.activation import sigmoid, tanh, relu, softmax, log_softmax
from .ops.sort import (sort, argsort, topk, unique, unique_consecutive, bincount, searchsorted, bucketize, median,
                       nanmedian, kthvalue, mode, quantile, nanquantile)
from .ops.scan import cumsum, cumprod, cummax, cummin, logcumsumexp
from .ops.indexing import (masked_select, masked_scatter, nonzero, argwhere, index_add, index_copy, index_fill,
                           repeat_interleave, tril, triu, diagonal, diag, diag_embed, fliplr, flipud, rot90)
from .ops.matmul import (matmul, mm, bmm, mv, dot, outer, outer as ger, tensordot, addmm, addmv, addr, addbmm, baddbmm,
                         chain_matmul, kron, cdist, dist, cross, einsum)
from . import linalg, nn, optim, utils  # noqa: E402  (ng.nn.functional, ng.optim.Adam, ng.utils.data, as in torch)
from . import distributions  # ng.distributions.Normal, as torch.distributions
from . import amp  # ng.amp.GradScaler (ng.cuda.amp's too), as torch.amp
from .amp import autocast
from .gan.checkpoint import save, load
from .legacy import FloatTensor, DoubleTensor, LongTensor, IntTensor, ByteTensor, BoolTensor  # torch < 0.4's names

float, double, long, bool = float32, float64, int64, bool_  # torch's other names of the dtypes
half, int, short = float16, int32, int16

__version__ = "0.1.0"
