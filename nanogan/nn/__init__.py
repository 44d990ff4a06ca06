"""nn: layers as Modules (PyTorch's names and signatures), their initialisers, `functional` and `utils`.

One file per idea: module.py (Module), parameter.py, container.py (Sequential, ModuleList, ModuleDict, ParameterList,
ParameterDict), linear.py (Linear, Bilinear), conv.py (Conv1d/2d/3d, ConvTranspose1d/2d/3d), norm.py
(BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm), activation.py (ReLU,
..., PReLU, RReLU, Softmax, Identity), dropout.py (Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout),
pooling.py (MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d), embedding.py,
fold.py (Unfold, Fold), shape.py (Flatten, Unflatten, the ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and
CircularPad layers in 1d, 2d and 3d, Crop2d, Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle,
PixelUnshuffle, ChannelShuffle), minibatch.py (MinibatchDiscrimination, MinibatchStdDev: D's view of the whole
batch), attention.py (MultiheadAttention), transformer.py (TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder, Transformer), recurrent.py (RNN, LSTM, GRU and their cells), loss.py
(BCELoss, MSELoss, ...), distance.py (CosineSimilarity, PairwiseDistance), init.py (initialisers), utils/
(clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters; the old hooks spectral_norm and
weight_norm from spectral_norm.py and weight_norm.py, sharing weight_hook.py; utils/parametrize.py and
utils/parametrizations.py, the new-style weight_norm and spectral_norm). parallel.py (DataParallel, on one device).
Module has PyTorch's forward hooks (register_forward_pre_hook, register_forward_hook).
"""
from . import functional
from . import init
from . import utils
from .parameter import Parameter
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Linear, Bilinear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .norm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm,
                   GroupNorm, RMSNorm, LocalResponseNorm)
from .activation import (ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Softplus, SELU, SiLU, Mish, GELU, Hardtanh, ReLU6,
                         Softsign, PReLU, Softmax, LogSoftmax, Identity, Hardsigmoid, Hardswish, CELU, Threshold,
                         Hardshrink, Softshrink, Tanhshrink, GLU, Softmin, Softmax2d, RReLU)
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d)
from .embedding import Embedding
from .fold import Unfold, Fold
from .loss import (BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, HuberLoss, SmoothL1Loss, NLLLoss, CrossEntropyLoss,
                   KLDivLoss, GaussianNLLLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, TripletMarginLoss,
                   MultiLabelSoftMarginLoss, CosineEmbeddingLoss, PoissonNLLLoss, MultiMarginLoss,
                   MultiLabelMarginLoss, TripletMarginWithDistanceLoss)
from .shape import (Flatten, Unflatten, ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d,
                    ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
                    ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, Crop2d, Upsample,
                    UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle, ChannelShuffle)
from .distance import CosineSimilarity, PairwiseDistance
from .minibatch import MinibatchDiscrimination, MinibatchStdDev
from .attention import MultiheadAttention
from .parallel import DataParallel
from .transformer import (TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder,
                          Transformer)
from .recurrent import RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell

__all__ = ["functional", "init", "utils", "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict",
           "ParameterList", "ParameterDict", "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
           "ConvTranspose2d", "ConvTranspose3d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "LayerNorm",
           "GroupNorm", "RMSNorm", "LocalResponseNorm", "ReLU", "LeakyReLU", "ELU", "Tanh", "Sigmoid", "Softplus",
           "SELU", "SiLU", "Mish", "GELU", "Hardtanh", "ReLU6", "Softsign", "PReLU", "Softmax", "LogSoftmax",
           "Identity", "Hardsigmoid", "Hardswish", "CELU", "Threshold", "Hardshrink", "Softshrink", "Tanhshrink", "GLU",
           "Softmin", "Softmax2d", "RReLU", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "Embedding", "Unfold", "Fold", "Flatten",
           "Unflatten", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "Crop2d", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "BCELoss",
           "BCEWithLogitsLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "NLLLoss", "CrossEntropyLoss",
           "KLDivLoss", "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
           "TripletMarginLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "PoissonNLLLoss",
           "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "MultiMarginLoss", "CosineSimilarity",
           "PairwiseDistance", "MinibatchDiscrimination", "MinibatchStdDev", "MultiheadAttention",
           "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
           "Transformer", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "DataParallel"]
