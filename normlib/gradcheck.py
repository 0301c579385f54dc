"""Numerical gradients by central differences: the independent reference every backward is tested
against (CS231n's gradient check)."""

import copy

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "check_gradients"]


def numerical_gradient(f, x, h=1e-6):
    """∂f/∂x by central differences, (f(x + h·e_i) − f(x − h·e_i)) / 2h for every entry i.

    ``f`` takes no arguments and returns a scalar computed from the array ``x``, which is changed in
    place entry by entry and restored. Use float64: in float32 the differences drown in rounding.
    """
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for a numerical gradient (float32 rounding swamps the "
                        f"finite differences); got {x.dtype}")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)   # views: writing them writes x and grad
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        flat[i] = old - h
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 for equal arrays, about 1e-7 or less for a correct float64 backward."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


def _as_float64_copy(layer):
    """A deep copy of ``layer`` whose parameters and float arrays (BN's running statistics too) are
    float64, with ``dtype`` float64: finite differences need float64, and the copy leaves the layer
    itself — its parameters, running statistics and counters — exactly as it was."""
    work = copy.deepcopy(layer)
    stack = [work]
    while stack:
        module = stack.pop()
        for name, value in list(vars(module).items()):
            if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
                setattr(module, name, value.astype(np.float64))
            elif name == "dtype" and isinstance(value, np.dtype) and np.issubdtype(value, np.floating):
                module.dtype = np.dtype(np.float64)
        stack.extend(getattr(module, "layers", []))
    return work


def check_gradients(layer, x, dy=None, seed=1234, h=1e-6):
    """Compare ``layer.backward`` with numerical gradients of L = Σ forward(x) · dy.

    Works on a float64 copy of the layer (so a default float32 layer can be checked, and the layer's
    own state — BN's running statistics — is left as it was). ``dy`` defaults to a random upstream
    gradient: with dy = 1 the true dx of a normalization is 0 and a check proves nothing. Returns
    ``{"x": err, <param name>: err, ...}`` of :func:`rel_error`. A layer that draws random numbers in
    its forward (Dropout in training mode) has no gradient to check this way and is refused.
    """
    if not (hasattr(layer, "forward") and hasattr(layer, "backward") and hasattr(layer, "parameters")):
        raise TypeError(f"layer must be a normlib layer with forward, backward and parameters; "
                        f"got {type(layer).__name__}")
    from .nn import Dropout
    stochastic = [type(m).__name__ for m in [layer, *getattr(layer, "layers", [])]
                  if isinstance(m, Dropout) and m.training and m.p > 0]
    if stochastic:
        raise ValueError(f"layer: {stochastic[0]} in training mode draws a new random mask at every "
                         "forward, so finite differences of its output mean nothing; check it in eval() "
                         "mode, or check the layers around it")
    work = _as_float64_copy(layer)
    x = np.array(x, dtype=np.float64)
    if dy is None:
        dy = np.random.default_rng(seed).standard_normal(work.forward(x).shape)
    dy = np.asarray(dy, dtype=np.float64)
    loss = lambda: float(np.sum(work.forward(x) * dy))
    work.forward(x)
    dx = work.backward(dy)
    analytic = {name: grad for name, _, grad in work.parameters()}
    errors = {"x": rel_error(dx, numerical_gradient(loss, x, h))}
    for name, value, _ in work.parameters():
        errors[name] = rel_error(analytic[name], numerical_gradient(loss, value, h))
    return errors
