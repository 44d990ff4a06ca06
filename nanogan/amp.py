"""ng.amp: torch.amp's mixed-precision API, as ported GAN code calls it. nanogan computes in float32, so of the two
halves only loss scaling does anything:

- GradScaler, dynamic loss scaling (Micikevicius et al. 2018), as torch's. The loss is multiplied by a scale S
  before backward, so that small gradients survive a low-precision backward pass; before the optimiser steps,
  every gradient is multiplied by 1/S (rounded to float32, as torch's) and checked for inf/NaN. A step whose
  gradients are not all finite is skipped and S becomes S · backoff_factor; after growth_interval steps in a row
  with finite gradients S becomes S · growth_factor (kept where that overflows float32), and the count of those
  steps, the growth tracker, starts again from 0 after either change. In float32 this rarely skips a step, and
  the parameters move as without it.
- autocast runs its region unchanged, in float32 (it warns so once); float16/bfloat16 compute is not there.
"""
import functools
import types
import warnings

import numpy as np

from . import backend as backends
from .arguments import is_number, require
from .autograd import no_grad
from .ops.shape import stack
from .tensor import Tensor, float16

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"  # where an optimiser is in the current iteration


def _float32(value):
    """value rounded to float32, as torch's scale tensor holds it (a Python float); inf beyond float32's range, which
    update() checks for rather than warns of."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


class GradScaler:
    """torch.amp.GradScaler: `scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()`.

    The scale is kept on the host (a Python float), so scale() and update() queue no device work; whether the
    gradients are all finite is read on the host once per optimiser and iteration (step(), or update() after
    unscale_ alone), one wait for the device, as torch's step() waits. A scaler made for device "cuda" where
    there is no GPU disables itself with a warning, as torch's does; otherwise it works on tensors of any device.
    With enabled=False every method passes through: scale returns its input, step is optimizer.step."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda" and not backends.is_available("cuda"):
            warnings.warn("GradScaler is enabled, but CUDA is not available.  Disabling.")
            self._enabled = False
        if self._enabled:
            require("GradScaler", "growth_factor", growth_factor, lambda v: is_number(v) and v > 1, "a number > 1.0")
            require("GradScaler", "backoff_factor", backoff_factor, lambda v: is_number(v) and v < 1,
                    "a number < 1.0")
        self._init_scale = init_scale
        self._scale = None  # made by the first scale(), as torch's: unscale_/step/update before it are refused
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker = None
        self._per_optimizer_states = {}

    def scale(self, outputs):
        """outputs · scale: a tensor, or the tensors of nested lists and tuples (the same structure back)."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = _float32(self._init_scale)
            self._growth_tracker = self._init_growth_tracker

        def scaled(value):
            if isinstance(value, Tensor):
                return value * self._scale
            if isinstance(value, (list, tuple)):
                return type(value)(map(scaled, value))
            if hasattr(value, "__iter__"):
                return map(scaled, value)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return scaled(outputs)

    def _check_scaled(self, method):
        if self._scale is None:
            raise AssertionError(f"Attempted {method} but _scale is None.  This may indicate your script did not use "
                                 f"scaler.scale(loss or outputs) earlier in the iteration.")

    def _state_of(self, optimizer, method):
        self._check_scaled(method)
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": _READY, "all_finite": []})

    def unscale_(self, optimizer):
        """Multiply the gradients of the optimiser's parameters by 1/scale in place, noting (on their devices)
        whether any was inf or NaN before; once per optimiser between two update()s. Call it before changing the
        gradients (clip_grad_norm_), then step()."""
        if not self._enabled:
            return
        state = self._state_of(optimizer, "unscale_")
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse_scale = _float32(1.0 / self._scale)
        all_finite_by_device = {}
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype == float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    all_finite_by_device.setdefault(str(p.grad.device), []).append(p.grad.isfinite().all())
                    p.grad.mul_(inverse_scale)
        state["all_finite"] = [stack(flags).all() for flags in all_finite_by_device.values()]
        state["stage"] = _UNSCALED

    @staticmethod
    def _found_inf(state):
        """Whether the optimiser's gradients held an inf or NaN: the host read, made once per iteration."""
        if "found_inf" not in state:
            state["found_inf"] = not all(bool(flag) for flag in state["all_finite"])
        return state["found_inf"]

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(*args, **kwargs), on gradients unscaled first (unless unscale_ did it), and skipped where
        they held an inf or NaN: then None is returned, else what step returns."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state_of(optimizer, "step")
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        if not state["all_finite"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if self._found_inf(state) else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """End the iteration: the scale becomes new_scale (a number or a one-element tensor) where given, else it
        backs off where any optimiser's gradients held an inf or NaN, or grows after growth_interval clean steps."""
        if not self._enabled:
            return
        self._check_scaled("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                                         "torch.FloatTensor with requires_grad=False.")
                new_scale = new_scale.item()
            self._scale = _float32(new_scale)
        else:
            checked = [state for state in self._per_optimizer_states.values() if state["all_finite"]]
            if not checked:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any([self._found_inf(state) for state in checked]):  # a list: every state read, as torch sums them
                self._scale = _float32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = _float32(self._scale * self._growth_factor)
                self._scale = grown if np.isfinite(grown) else self._scale
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer_states = {}

    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """{"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}, torch's keys ({} when
        disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = _float32(self._init_scale)
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker


_float32_warning_given = False  # autocast warns once per process: the message is the same every time


class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None), a context manager and a decorator.
    nanogan computes in float32, so the region runs unchanged; when enabled, the first autocast warns so (a
    UserWarning). dtype is kept as `fast_dtype` and otherwise unused."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = enabled
        self._cache_enabled = cache_enabled

    def __enter__(self):
        global _float32_warning_given
        if self._enabled and not _float32_warning_given:
            _float32_warning_given = True
            warnings.warn("autocast: nanogan computes in float32 only, so the region runs unchanged, in float32",
                          UserWarning, stacklevel=2)
        return self

    def __exit__(self, *exception):
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def in_autocast(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return in_autocast


class _CudaGradScaler(GradScaler):
    __doc__ = "torch.cuda.amp.GradScaler: GradScaler(\"cuda\", ...), its arguments starting at init_scale."

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class _CudaAutocast(autocast):
    __doc__ = "torch.cuda.amp.autocast: autocast(\"cuda\", ...), its arguments starting at enabled."

    def __init__(self, enabled=True, dtype=float16, cache_enabled=True):
        super().__init__("cuda", dtype, enabled, cache_enabled)


_CudaGradScaler.__name__ = _CudaGradScaler.__qualname__ = "GradScaler"
_CudaAutocast.__name__ = _CudaAutocast.__qualname__ = "autocast"
# ng.cuda.amp (nanogan/cuda.py takes it): torch.cuda.amp's two names, whose signatures start after the device
cuda_amp = types.ModuleType("nanogan.cuda.amp", __doc__)
cuda_amp.GradScaler, cuda_amp.autocast = _CudaGradScaler, _CudaAutocast
