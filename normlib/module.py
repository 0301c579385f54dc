"""The module base of every layer: a forward/backward pair with a training flag and named
parameters, and :class:`Sequential`, which chains them. Also two small utilities the layers share:
:func:`as_rng` (a Generator from a seed) and :func:`one_blas_thread`."""

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = ["Module", "Sequential", "as_rng", "one_blas_thread", "positive_int"]


class Module:
    """Base class: a forward/backward pair with a training flag and named parameters.

    A parameter ``p`` is an attribute listed in ``param_names``; its gradient, filled by
    ``backward``, is the attribute ``"d" + p`` (``gamma`` → ``dgamma``, ``weight`` → ``dweight``).
    """

    param_names = ()
    training = True

    def __call__(self, x):
        return self.forward(x)

    def train(self, mode=True):
        """Training mode (the default): batch statistics, dropout on."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Inference mode: running statistics, dropout off. It does *not* switch gradients off."""
        return self.train(False)

    def parameters(self):
        """Yield ``(name, value, grad)`` for every learnable array (grad is None before backward)."""
        for name in self.param_names:
            value = getattr(self, name)
            if value is not None:
                yield name, value, getattr(self, "d" + name, None)

    def _require_cache(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: run forward(x) "
                               "first, so that the layer has the values its gradient depends on")
        return self._cache

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self):
        return ""


def positive_int(value, name):
    """``value`` as an int, or a ValueError that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse. Index it like a list."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(f"layer {i} ({type(layer).__name__}) has no forward/backward pair")
        self.layers = list(layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def trace(self, x):
        """Forward pass that keeps every intermediate: ``out[i]`` is the input of layer ``i``,
        ``out[-1]`` the network's output (for example, the sigmoid inputs of a hidden layer)."""
        out = [x]
        for layer in self.layers:
            out.append(layer.forward(out[-1]))
        return out

    def backward(self, dy):
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def train(self, mode=True):
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def parameters(self):
        for i, layer in enumerate(self.layers):
            for name, value, grad in layer.parameters():
                yield f"{i}.{name}", value, grad

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


def as_rng(rng):
    """A ``np.random.Generator`` from a Generator, an int seed, or None (unseeded)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator, an int seed or None; got {type(rng).__name__}")


def one_blas_thread():
    """A context that limits BLAS to one thread. The matrix products of the course's small networks
    run fastest on one thread, and on a busy machine idle-spinning BLAS threads can make every
    training step tens of times slower. :func:`fit` trains inside it."""
    return threadpool_limits(limits=1, user_api="blas")
