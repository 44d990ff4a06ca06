"""Containers: modules that hold other modules under the names "0", "1", ...

Sequential  calls its modules one after another: y = m_n(... m_1(m_0(x))).
ModuleList  only holds them (registered, so their parameters are found); forward is yours to write.
"""
from collections import OrderedDict

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
