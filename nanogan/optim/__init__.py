"""optim: the rules that turn gradients into parameter updates (PyTorch's names and formulas).

    optimizer.py      Optimizer: parameter groups, step(), zero_grad(), state_dict() / load_state_dict()
    sgd.py            SGD (momentum, dampening, Nesterov, weight decay)
    adam.py           Adam and AdamW (decoupled weight decay), amsgrad, capturable (for CUDA graphs)
    rmsprop.py        RMSprop (centered, momentum, weight decay)
    radam.py          RAdam (rectified Adam; L2 or decoupled weight decay)
    nadam.py          NAdam (Nesterov Adam: momentum_decay; L2 or decoupled weight decay)
    adamax.py         Adamax (Adam with an infinity norm)
    adagrad.py        Adagrad (lr_decay, initial_accumulator_value)
    lr_scheduler.py   optim.lr_scheduler: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR,
                      ExponentialLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
                      OneCycleLR, ReduceLROnPlateau, SequentialLR, ChainedScheduler
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .radam import RAdam
from .nadam import NAdam
from .adamax import Adamax
from .adagrad import Adagrad
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "RAdam", "NAdam", "Adamax", "Adagrad", "lr_scheduler"]
