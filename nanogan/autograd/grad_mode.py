"""Whether operations record the graph that backward walks.

Recording is on by default. `no_grad()` switches it off (inference, optimiser updates, and the
backward pass itself unless `create_graph=True`).
"""
import functools
import inspect
import threading


class _ThreadGradMode(threading.local):
    enabled = True  # each thread starts recording, as in PyTorch


_state = _ThreadGradMode()


def is_grad_enabled():
    return _state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode on entry and restores it on exit."""

    enabled = True  # or None: the mode stays as it is

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.enabled = self._previous if self.enabled is None else self.enabled

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        enabled = self.enabled

        def in_mode(step, *args, **kwargs):
            previous = _state.enabled
            _state.enabled = previous if enabled is None else enabled
            try:
                return step(*args, **kwargs)
            finally:
                _state.enabled = previous

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator_wrapper(*args, **kwargs):
                return (yield from _generator_in_mode(in_mode, fn(*args, **kwargs)))
            return generator_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return in_mode(fn, *args, **kwargs)
        return wrapper


def _generator_in_mode(in_mode, generator):
    """The generator's values, each of its steps run by in_mode (in the decorator's grad mode), and the caller's code
    between them in the caller's, as PyTorch's decorators run a generator: a @no_grad() sampling loop that yields
    records nothing, and the caller that trains on what it yields does."""
    step = functools.partial(generator.send, None)
    while True:
        try:
            value = in_mode(step)
        except StopIteration as stop:
            return stop.value
        try:
            step = functools.partial(generator.send, (yield value))
        except GeneratorExit:
            in_mode(generator.close)
            raise
        except BaseException as error:  # thrown into this generator: on into fn's
            step = functools.partial(generator.throw, error)


class _GradModeOfNoArguments(_GradMode):
    """A mode that takes no arguments also decorates without parentheses (`@ng.no_grad`), as PyTorch's do."""

    def __new__(cls, fn=None):
        return super().__new__(cls) if fn is None else cls()(fn)


class no_grad(_GradModeOfNoArguments):
    """`with ng.no_grad():`, `@ng.no_grad()` or `@ng.no_grad`: nothing inside is recorded for backward."""

    enabled = False


class inference_mode(_GradModeOfNoArguments):
    """`with ng.inference_mode():`, `@ng.inference_mode()` or `@ng.inference_mode`: no_grad's mode, for sampling
    and evaluation. PyTorch also marks the tensors made inside so that autograd refuses them later; nanogan does not
    (they are as no_grad's). inference_mode(False) leaves the mode as it is."""

    enabled = False

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            instance = super().__new__(cls)
            instance.enabled = False if mode else None
            return instance
        return super().__new__(cls, mode)  # the decorator without parentheses: mode is the function

    def __init__(self, mode=True):
        pass


class enable_grad(_GradModeOfNoArguments):
    """Turn recording back on inside a `no_grad` region."""

    enabled = True


class set_grad_enabled(_GradMode):
    """`ng.set_grad_enabled(False)` switches recording off (or on) from here on; `with ng.set_grad_enabled(mode):`
    only inside the block, as in PyTorch."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)
        self._previous = is_grad_enabled()
        _state.enabled = self.enabled

    def __enter__(self):
        pass  # set already, by the call

    def __call__(self, fn):
        _state.enabled = self._previous  # as a decorator it changes the mode only inside fn
        return super().__call__(fn)
