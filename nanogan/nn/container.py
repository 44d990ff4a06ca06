"""Containers: modules that hold other modules, under the names "0", "1", ... or under keys.

Sequential  calls its modules one after another: y = m_n(... m_1(m_0(x))).
ModuleList  only holds them (registered, so their parameters are found); forward is yours to write.
ModuleDict  holds them under string keys, in insertion order; the keys are their names in named_parameters and
            state_dict ("critic.0.weight"). Its forward, too, is yours to write.
"""
from collections import OrderedDict
from collections.abc import Mapping

from .module import Module


class _IndexedModules(Module):
    """Modules kept in `_modules` under the keys "0", "1", ..., with list-style access."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def _index(self, i):
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {i} out of range for {n} modules")
        return i % n

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, i):
        items = list(self._modules.values())
        if isinstance(i, slice):
            return type(self)().extend(items[i])
        return items[self._index(i)]

    def __setitem__(self, i, module):
        self.add_module(list(self._modules)[self._index(i)], module)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self


class Sequential(_IndexedModules):
    """`Sequential(m0, m1, ...)` or `Sequential(OrderedDict(name=module, ...))`: forward(x) applies
    the modules in order."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


class ModuleList(_IndexedModules):
    """`ModuleList([m0, m1, ...])`: a registered list of modules."""

    def __init__(self, modules=()):
        super().__init__(modules)

    def insert(self, index, module):
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        self.extend(items)


class ModuleDict(Module):
    """`ModuleDict({"name": module, ...})` or `ModuleDict([("name", module), ...])`: a registered, ordered dict of
    modules, with dict access (`d["name"]`, `d.keys()`, `d.update(...)`)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        """Add (or replace) the modules of a mapping, or of an iterable of (key, module) pairs, in their order."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = modules.items()
        else:
            pairs = list(modules)
            bad = next((p for p in pairs if not (isinstance(p, (tuple, list)) and len(p) == 2)), None)
            if bad is not None:
                raise ValueError(f"ModuleDict.update: expected a mapping or (key, module) pairs, got the element "
                                 f"{bad!r}")
        for key, module in pairs:
            self[key] = module
