"""DataParallel: PyTorch's wrapper that splits each batch across several GPUs. nanogan drives one device, so the
wrapper runs its module on the whole batch there: ported code that wraps its networks (PyTorch's DCGAN tutorial
does when it has more than one GPU) runs unchanged, its state-dict keys ("module.weight") included."""
import warnings

from .module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got {type(module).__name__}")
        self.module = module
        self.device_ids, self.output_device, self.dim = list(device_ids or ()), output_device, dim
        if len(self.device_ids) > 1:
            warnings.warn(f"DataParallel: nanogan drives one GPU, so the {len(self.device_ids)} devices asked for "
                          f"({self.device_ids}) are served by one, with the whole batch", UserWarning, stacklevel=2)

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
