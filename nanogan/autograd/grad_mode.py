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


def set_grad_enabled(enabled):
    _state.enabled = bool(enabled)


class _GradMode:
    """Context manager and decorator that sets grad mode on entry and restores it on exit."""

    enabled = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        set_grad_enabled(self.enabled)

    def __exit__(self, *exc):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """`with ng.no_grad():` or `@ng.no_grad()`: nothing inside is recorded for backward."""

    enabled = False


class enable_grad(_GradMode):
    """Turn recording back on inside a `no_grad` region."""

    enabled = True
