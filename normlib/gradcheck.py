"""Numerical gradients by central differences: the independent reference every backward is tested
against (CS231n's gradient check)."""

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


def check_gradients(layer, x, dy=None, seed=1234, h=1e-6):
    """Compare ``layer.backward`` with numerical gradients of L = Σ forward(x) · dy.

    ``dy`` defaults to a random upstream gradient: with dy = 1 the true dx of a normalization is 0
    and a check proves nothing. Returns ``{"x": err, <param name>: err, ...}`` of :func:`rel_error`.
    """
    x = np.array(x, dtype=np.float64)
    if dy is None:
        dy = np.random.default_rng(seed).standard_normal(layer.forward(x).shape)
    loss = lambda: float(np.sum(layer.forward(x) * dy))
    layer.forward(x)
    dx = layer.backward(dy)
    analytic = {"x": dx} | {name: grad for name, _, grad in layer.parameters()}
    errors = {"x": rel_error(dx, numerical_gradient(loss, x, h))}
    for name, value, _ in layer.parameters():
        errors[name] = rel_error(analytic[name], numerical_gradient(loss, value, h))
    return errors
