"""The functional API (PyTorch's torch.nn.functional names and signatures). No math lives here;
each family is defined, with its forward and gradient formulas, in nanogan/ops:

    linear, bilinear                                      ops/linear.py
    conv2d, conv_transpose2d, conv1d, conv_transpose1d,
    conv3d, conv_transpose3d                              ops/conv.py
    max_pool2d, avg_pool2d, adaptive_avg_pool2d,
    adaptive_max_pool2d, interpolate, max_pool1d,
    avg_pool1d, adaptive_avg_pool1d,
    adaptive_max_pool1d, upsample, upsample_nearest,
    upsample_bilinear, max_pool3d, avg_pool3d,
    adaptive_avg_pool3d, adaptive_max_pool3d              ops/pool.py
    pad                                                   ops/pad.py
    affine_grid, grid_sample                              ops/sample.py
    unfold, fold                                          ops/fold.py
    pixel_shuffle, pixel_unshuffle, channel_shuffle       ops/shape.py
    relu, leaky_relu, elu, sigmoid, tanh, softplus,
    logsigmoid, selu, silu, mish, gelu, hardtanh, relu6,
    softsign, prelu, rrelu, softmax, log_softmax,
    gumbel_softmax, dropout, dropout1d, dropout2d,
    dropout3d, alpha_dropout, feature_alpha_dropout,
    hardsigmoid, hardswish, celu, threshold,
    hardshrink, softshrink, tanhshrink, softmin, glu      ops/activation.py
    batch_norm, layer_norm, instance_norm, group_norm,
    rms_norm, local_response_norm                         ops/norm.py (kernels: backend/*/norm)
    binary_cross_entropy, binary_cross_entropy_with_logits,
    mse_loss, l1_loss, huber_loss, smooth_l1_loss, nll_loss,
    cross_entropy, kl_div, gaussian_nll_loss,
    margin_ranking_loss, hinge_embedding_loss,
    soft_margin_loss, triplet_margin_loss,
    multilabel_soft_margin_loss, cosine_embedding_loss,
    poisson_nll_loss, multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_with_distance_loss                     ops/loss.py
    embedding, one_hot                                    ops/embedding.py
    normalize, cosine_similarity, pairwise_distance       ops/reduce.py
    scaled_dot_product_attention                          ops/attention.py
"""
from ..ops.linear import linear, bilinear
from ..ops.conv import conv2d, conv_transpose2d, conv1d, conv_transpose1d, conv3d, conv_transpose3d
from ..ops.pool import (max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d, interpolate, max_pool1d,
                        avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, upsample, upsample_nearest,
                        upsample_bilinear, max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d)
from ..ops.pad import pad
from ..ops.sample import affine_grid, grid_sample
from ..ops.fold import unfold, fold
from ..ops.shape import pixel_shuffle, pixel_unshuffle, channel_shuffle
from ..ops.activation import (relu, leaky_relu, elu, sigmoid, tanh, softplus, logsigmoid, selu, silu, mish, gelu,
                              hardtanh, relu6, softsign, prelu, softmax, log_softmax, dropout, dropout1d, dropout2d,
                              dropout3d, alpha_dropout, feature_alpha_dropout, rrelu,
                              hardsigmoid, hardswish, celu, threshold, hardshrink, softshrink, tanhshrink, softmin,
                              glu, gumbel_softmax)
from ..ops.norm import batch_norm, layer_norm, instance_norm, group_norm, rms_norm, local_response_norm
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, mse_loss, l1_loss, huber_loss,
                        smooth_l1_loss, nll_loss, cross_entropy, kl_div, gaussian_nll_loss, margin_ranking_loss,
                        hinge_embedding_loss, soft_margin_loss, triplet_margin_loss, multilabel_soft_margin_loss,
                        cosine_embedding_loss, poisson_nll_loss, multi_margin_loss, multilabel_margin_loss,
                        triplet_margin_with_distance_loss)
from ..ops.embedding import embedding, one_hot
from ..ops.reduce import normalize, cosine_similarity, pairwise_distance
from ..ops.attention import scaled_dot_product_attention

__all__ = ["linear", "bilinear", "conv2d", "conv_transpose2d", "conv1d", "conv_transpose1d", "conv3d",
           "conv_transpose3d", "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool3d", "avg_pool3d",
           "adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
           "adaptive_avg_pool3d", "adaptive_max_pool3d", "interpolate", "upsample", "upsample_nearest",
           "upsample_bilinear", "pad",
           "affine_grid", "grid_sample", "unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "relu", "leaky_relu", "elu", "sigmoid", "tanh", "softplus", "logsigmoid", "selu", "silu", "mish", "gelu",
           "hardtanh", "relu6", "softsign", "prelu", "softmax", "log_softmax", "gumbel_softmax", "dropout", "dropout1d",
           "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "rrelu", "hardsigmoid", "hardswish",
           "celu", "threshold", "hardshrink", "softshrink", "tanhshrink", "softmin", "glu", "batch_norm", "layer_norm",
           "instance_norm", "rms_norm", "local_response_norm", "group_norm", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "nll_loss",
           "cross_entropy", "kl_div", "gaussian_nll_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "triplet_margin_loss", "multilabel_soft_margin_loss", "cosine_embedding_loss",
           "poisson_nll_loss", "multi_margin_loss", "embedding", "one_hot", "normalize", "cosine_similarity",
           "pairwise_distance", "scaled_dot_product_attention", "multilabel_margin_loss",
           "triplet_margin_with_distance_loss"]
