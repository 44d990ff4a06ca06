"""Whether operations record the graph that backward walks.

Recording is on by default. `no_grad()` switches it off (inference, optimiser updates, and the
backward pass itself unless `create_graph=True`).
"""
import functools
import threading


class _ThreadGradMode(threading.local):
    enabled = True  # each thread starts recording, as in PyTorch


_state = _ThreadGradMode()


def is_grad_enabled():
    return _state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode on entry and restores it on exit."""

    enabled = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.enabled = self.enabled

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous, _state.enabled = _state.enabled, self.enabled
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = previous

        return wrapper


class no_grad(_GradMode):
    """`with ng.no_grad():` or `@ng.no_grad()`: nothing inside is recorded for backward."""

    enabled = False


class enable_grad(_GradMode):
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
