"""Containers: modules that hold other modules, under the names "0", "1", ... or under keys.

Sequential  calls its modules one after another: y = m_n(... m_1(m_0(x))).
ModuleList  only holds them (registered, so their parameters are found); forward is yours to write.
ModuleDict  holds them under string keys, in insertion order; the keys are their names in named_parameters and
            state_dict ("critic.0.weight"). Its forward, too, is yours to write.
ParameterList, ParameterDict  the same for parameters: a Tensor put in becomes a Parameter, under "0", "1", ... or
            its key, so that parameters(), state_dict() and .to() see it as the module's own.
"""
from collections import OrderedDict
from collections.abc import Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


class _Items(Module):
    """What the containers share: their items live in one of the module's stores (`_modules` or `_parameters`), and
    `_add_item(key, value)` puts one there."""
    _store, _noun = "_modules", "module"

    @property
    def _items(self):
        return self.__dict__[self._store]

    def _add_item(self, key, value):
        self.add_module(key, value)

    def __len__(self):
        return len(self._items)


class _ParameterItems(_Items):
    """Items that are parameters; their repr lists each one's dtype and size, as PyTorch's."""
    _store, _noun = "_parameters", "parameter"

    def _add_item(self, key, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"{type(self).__name__}: {key!r} must be a Tensor (a Parameter, or a Tensor made one), "
                            f"got {type(value).__name__}")
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __repr__(self):
        if not self._items:
            return f"{type(self).__name__}()"
        lines = []
        for key, p in self._items.items():
            device = "" if p.device.type == "cpu" else f" ({p.device})"
            lines.append(f"    ({key}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}"
                         f"{device}]")
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class _Indexed(_Items):
    """Items kept under the keys "0", "1", ..., with list-style access."""

    def __init__(self, values=()):
        super().__init__()
        self.extend(values)

    def _index(self, i):
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {i} out of range for {n} {self._noun}s")
        return i % n

    def __iter__(self):
        return iter(self._items.values())

    def __getitem__(self, i):
        values = list(self._items.values())
        if isinstance(i, slice):
            return type(self)().extend(values[i])
        return values[self._index(i)]

    def __setitem__(self, i, value):
        self._add_item(list(self._items)[self._index(i)], value)

    def append(self, value):
        self._add_item(str(len(self)), value)
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self


def _key_value_pairs(owner, noun, items, sort_plain_dicts=False):
    """The (key, value) pairs of a mapping, in its order (sorted by key for a plain dict where `sort_plain_dicts`,
    as PyTorch's ParameterDict sorts them), or of an iterable of pairs."""
    if isinstance(items, (OrderedDict, _Keyed)):
        return list(items.items())
    if isinstance(items, Mapping):
        return sorted(items.items()) if sort_plain_dicts else list(items.items())
    pairs = list(items)
    bad = next((p for p in pairs if not (isinstance(p, (tuple, list)) and len(p) == 2)), None)
    if bad is not None:
        raise ValueError(f"{owner}.update: expected a mapping or (key, {noun}) pairs, got the element {bad!r}")
    return pairs


class _Keyed(_Items):
    """Items kept under string keys, in insertion order, with dict access."""
    sort_plain_dicts = False

    def __init__(self, items=None):
        super().__init__()
        if items is not None:
            self.update(items)

    def _require_key(self, key):
        if key not in self._items:
            raise KeyError(f"{type(self).__name__}: no key {key!r}; the keys are {list(self._items)}")

    def __getitem__(self, key):
        self._require_key(key)
        return self._items[key]

    def __setitem__(self, key, value):
        self._add_item(key, value)

    def __delitem__(self, key):
        self._require_key(key)
        del self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __contains__(self, key):
        return key in self._items

    def keys(self):
        return self._items.keys()

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()

    def get(self, key, default=None):
        return self._items.get(key, default)

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def clear(self):
        self._items.clear()

    def update(self, items):
        """Add (or replace) the items of a mapping, or of an iterable of (key, value) pairs, in their order."""
        for key, value in _key_value_pairs(type(self).__name__, self._noun, items, self.sort_plain_dicts):
            self[key] = value


class Sequential(_Indexed):
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


class ModuleList(_Indexed):
    """`ModuleList([m0, m1, ...])`: a registered list of modules."""

    def __init__(self, modules=()):
        super().__init__(modules)

    def insert(self, index, module):
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        self.extend(items)


class ModuleDict(_Keyed):
    """`ModuleDict({"name": module, ...})` or `ModuleDict([("name", module), ...])`: a registered, ordered dict of
    modules, with dict access (`d["name"]`, `d.keys()`, `d.update(...)`)."""


class ParameterList(_ParameterItems, _Indexed):
    """`ParameterList([p0, p1, ...])`: a registered list of parameters ("0", "1", ... in state_dict)."""


class ParameterDict(_ParameterItems, _Keyed):
    """`ParameterDict({"name": p, ...})` or `ParameterDict([("name", p), ...])`: a registered dict of parameters.
    A plain dict's items are put in in the order of their keys, an OrderedDict's in its own, as in PyTorch."""
    sort_plain_dicts = True
