"""Why batch norm scales and shifts (γ, β): the experiments behind notebook 04.

- :func:`sigmoid_measures` — for the inputs a sigmoid receives: the mean slope E[σ'(x)] (the factor
  by which the unit passes gradients back), the fraction of inputs where σ is within 1% of its
  tangent line at 0 (where it acts as a linear function), and the R² of the best linear fit of
  σ(x) on x (how much of the unit's output a linear function explains).
- :func:`relu_measures` — the same questions for ReLU: the fraction of active units and R².
- :func:`bn_mlp` — the digits MLP of notebook 02 (Linear → BN → activation), with γ and β started
  where you ask, or without them (``affine=False``).
- :func:`red_blue` — two BN sigmoid networks that differ only in where β starts: 0 (the notes'
  blue, centred distribution) or 4 (the red one, on the flat part of the sigmoid); trained, with
  the gradient that reaches each layer (cached).
- :func:`learned_scale_shift` — train a BN network from γ = 1, β = 0 and report where the data
  moved γ and β, and what that did to the activation inputs (cached).
- :func:`train_bn_mlp` — one training run of :func:`bn_mlp` summarised (the unit of the seed sweeps
  of ``long_runs.py``: red/blue at two learning rates, and the γ/β ablation).
- :func:`load_results` — the saved results of ``python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs``.

Every training run is in float64 on one BLAS thread, so another CPU's summation order changes its
numbers only in the last digits — except where the run is chaotic (the red network's plateau, where
such differences grow: a single seed's step of leaving it is CPU-dependent, the seed statistics are not).
Cached results are handed out read-only (frozen dataclasses, read-only arrays and mappings).
"""

import copy
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ...data import load_digits
from ...models import mlp
from ...layers import BatchNorm
from ...module import one_blas_thread, positive_int
from ...nn import Linear, ReLU, Sigmoid, fit, softmax_cross_entropy
from ...probe import layer_inputs
from ...results import freeze as _deep_freeze, load_json, readonly as _readonly

__all__ = ["sigmoid", "sigmoid_slope", "tangent_halfwidth", "linear_r2", "sigmoid_measures",
           "relu_measures", "bn_mlp", "activation_inputs", "initial_grad_norms", "RedBlue", "red_blue", "Learned",
           "learned_scale_shift", "Run", "train_bn_mlp", "load_results", "RESULTS"]

RESULTS = Path(__file__).with_name("results") / "seed_sweeps.json"


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), without overflow for large |x|; keeps x's float dtype."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_slope(x):
    """σ'(x) = σ(x)(1 − σ(x)): 1/4 at 0, below 0.018 for |x| > 4."""
    s = sigmoid(x)
    return s * (1.0 - s)


@lru_cache(maxsize=8)
def tangent_halfwidth(tol=0.01):
    """The x* > 0 with |σ(x) − (1/2 + x/4)| ≤ ``tol`` exactly for |x| ≤ x*: the near-linear middle
    of the sigmoid, where it is within ``tol`` of its tangent line at 0 (x* ≈ 0.80 for tol = 0.01).

    The gap 1/2 + x/4 − σ(x) is odd and grows monotonically for x > 0 (to infinity), so x* is
    unique; found by bisection.
    """
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 < tol < 0.5:
        raise ValueError(f"tol must be a number in (0, 0.5) (a distance on σ's 0-to-1 scale); got {tol!r}")
    lo, hi = 0.0, 4.0 * tol + 2.0            # the gap at hi exceeds tol: 1/2 + hi/4 − 1 > tol
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if 0.5 + mid / 4 - float(sigmoid(mid)) <= tol else (lo, mid)
    return lo


def linear_r2(x, fx, axis=None):
    """R² of the least-squares line fx ≈ a + b·x: corr(x, fx)², 1 when the function is linear on
    these inputs. ``axis=None`` pools all values; ``axis=0`` fits each column (each unit) on its own
    and returns one R² per column. A constant fx (nothing left to explain) counts as R² = 1."""
    x, fx = np.asarray(x, np.float64), np.asarray(fx, np.float64)
    if axis is None:
        x, fx, axis = x.ravel(), fx.ravel(), 0
    dx = x - x.mean(axis=axis, keepdims=True)
    dfx = fx - fx.mean(axis=axis, keepdims=True)
    sxx, sff = np.sum(dx * dx, axis=axis), np.sum(dfx * dfx, axis=axis)
    sxf = np.sum(dx * dfx, axis=axis)
    flat = (sff <= 1e-24 * x.shape[axis]) | (sxx == 0)
    r2 = np.where(flat, 1.0, sxf ** 2 / np.where(flat, 1.0, sxx * sff))
    return float(r2) if r2.ndim == 0 else r2


def _check_samples(x):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point array of inputs; got dtype {x.dtype}")
    if x.ndim not in (1, 2) or x.shape[0] < 2:
        raise ValueError(f"x must have shape (examples,) or (examples, units) with at least 2 examples; "
                         f"got shape {x.shape}")
    return x


def sigmoid_measures(x, tol=0.01):
    """What a sigmoid does with the inputs ``x``: a 1-D array of inputs, or (examples, units), one
    column per unit.

    Returns a dict:
      ``mean_slope`` — E[σ'(x)], the average factor by which σ scales the gradient passing back
        through it (at most 1/4);
      ``near_linear`` — the fraction of inputs with |x| ≤ :func:`tangent_halfwidth` (tol), where
        σ(x) is within ``tol`` of its tangent line 1/2 + x/4;
      ``r2`` — :func:`linear_r2` of σ(x) on x: 1 = the unit is a linear function on these inputs
        (for (examples, units), fitted unit by unit and averaged over the units).
    """
    x = _check_samples(x)
    return {"mean_slope": float(np.mean(sigmoid_slope(x))),
            "near_linear": float(np.mean(np.abs(x) <= tangent_halfwidth(tol))),
            "r2": _r2(x, sigmoid(x))}


def _r2(x, fx):
    return float(np.mean(linear_r2(x, fx, axis=0))) if x.ndim == 2 else linear_r2(x, fx)


def relu_measures(x):
    """What a ReLU does with the inputs ``x`` (1-D, or (examples, units) as for
    :func:`sigmoid_measures`): ``active`` — the fraction x > 0 (which is also its mean
    slope E[ReLU'(x)]: 1 where active, 0 elsewhere); ``slope_var`` — the variance of the slope
    ReLU'(x) over the inputs, active·(1 − active): how evenly the inputs are split between the two
    linear pieces (largest, 1/4, when the kink is at the median); and ``r2`` — :func:`linear_r2` of
    max(0, x) on x. For x ~ N(β, γ²): active = Φ(β/γ); β = 0 keeps half of the units active.
    (For 2-D x, ``active`` and ``slope_var`` pool all values; ``r2`` is averaged over the units.)"""
    x = _check_samples(x)
    active = float(np.mean(x > 0))
    return {"active": active, "slope_var": active * (1.0 - active), "r2": _r2(x, np.maximum(x, 0))}


# ----------------------------------------------------------------------------------------------
# Networks and training runs
# ----------------------------------------------------------------------------------------------


def _frozen(d):
    return MappingProxyType(dict(d))


def bn_mlp(activation="sigmoid", hidden=(100, 100, 100), gamma0=1.0, beta0=0.0, seed=0, affine=True,
           dtype=np.float64):
    """Linear → BN → activation per hidden layer, then Linear: notebook 02's network
    (:func:`normlib.models.sigmoid_mlp` with BN), with every γ started at ``gamma0`` and β at ``beta0``;
    ``activation`` "relu" swaps each sigmoid for a ReLU (same weights). ``affine=False``: BN without
    γ and β (every unit's input is standardized, full stop; the weights are the same as with them).
    ``dtype``: of every parameter (float64 by default: rounding differences between CPUs stay tiny)."""
    if not isinstance(affine, bool):
        raise TypeError(f"affine must be True or False; got {affine!r}")
    if not affine and (gamma0 != 1.0 or beta0 != 0.0):
        raise ValueError(f"affine=False has no γ, β to start: leave gamma0=1 and beta0=0; "
                         f"got gamma0={gamma0!r}, beta0={beta0!r}")
    model = mlp(hidden, norm="bn", activation=activation, affine=affine, seed=seed, dtype=dtype)
    for layer in model.layers:
        if isinstance(layer, BatchNorm) and affine:
            layer.gamma[:] = gamma0
            layer.beta[:] = beta0
    return model

def _digits(seed):
    return load_digits(seed=seed, dtype=np.float64)


def activation_inputs(model, X):
    """The input of every activation (Sigmoid or ReLU) of ``model`` on ``X``, as in a training
    step (BN with the statistics of ``X``), without changing anything: a list of (N, width) arrays."""
    return layer_inputs(model, X, (Sigmoid, ReLU))


def _weight_grad_norms(model, X, y):
    """‖∂L/∂W‖ of every Linear layer, on one batch in training mode, on a copy of ``model``."""
    work = copy.deepcopy(model).train()
    _, dlogits = softmax_cross_entropy(work.forward(X), y)
    work.backward(dlogits)
    return np.array([np.linalg.norm(layer.dweight) for layer in work.layers if isinstance(layer, Linear)])


def initial_grad_norms(beta0=0.0, seed=0):
    """‖∂L/∂W‖ of each Linear layer (hidden layers 1–3, then the output layer) of the BN sigmoid
    network :func:`bn_mlp` with β started at ``beta0``, at initialization, on the first 200 training
    examples of the digits split of ``seed``: what :func:`red_blue` reports as ``grad_norms``."""
    d = _digits(seed)
    with one_blas_thread():
        return _weight_grad_norms(bn_mlp("sigmoid", beta0=float(beta0), seed=seed), d.X_train[:200], d.y_train[:200])


@dataclass(frozen=True)
class RedBlue:
    """Results of :func:`red_blue`, per network name ("blue": β starts at 0; "red": β starts at
    ``offset``). ``steps``: evaluation steps; ``test_accuracy[name]`` per evaluation;
    ``loss[name]`` per training step; ``grad_norms[name]``: ‖∂L/∂W‖ of each Linear layer at
    initialization (hidden layers 1–3, then the output layer), on 200 training examples;
    ``mean_slope[name]``: E[σ'(x)] of each hidden layer's sigmoid inputs on the test set,
    (evaluations, layers); ``beta_mean[name]``: the mean β of each BN layer, (evaluations, layers).
    Read-only."""

    steps: np.ndarray
    test_accuracy: MappingProxyType
    loss: MappingProxyType
    grad_norms: MappingProxyType
    mean_slope: MappingProxyType
    beta_mean: MappingProxyType
    settings: MappingProxyType


def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    return float(lr)


@lru_cache(maxsize=8)
def red_blue(offset=4.0, steps=600, lr=0.1, batch_size=60, eval_every=50, seed=0):
    """Train two BN sigmoid networks (:func:`bn_mlp`, float64) that differ only in β's starting
    value: 0 ("blue": every sigmoid input starts as N(0, 1)) and ``offset`` ("red": N(offset, 1), on
    the flat part of the sigmoid). Same weights, same batches. Cached per settings; read-only."""
    lr = _check_lr(lr)
    d = _digits(seed)
    results = dict(test_accuracy={}, loss={}, grad_norms={}, mean_slope={}, beta_mean={})
    record = {
        "slope": lambda m: [sigmoid_measures(h)["mean_slope"] for h in activation_inputs(m, d.X_test)],
        "beta": lambda m: [float(layer.beta.mean()) for layer in m.layers if isinstance(layer, BatchNorm)],
    }
    with one_blas_thread():
        for name, beta0 in (("blue", 0.0), ("red", float(offset))):
            model = bn_mlp("sigmoid", beta0=beta0, seed=seed)
            results["grad_norms"][name] = _readonly(initial_grad_norms(beta0, seed))
            h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                    X_test=d.X_test, y_test=d.y_test, eval_every=eval_every, record=record)
            results["test_accuracy"][name] = _readonly(h.test_accuracy)
            results["loss"][name] = _readonly(h.loss)
            results["mean_slope"][name] = _readonly(h.records["slope"])
            results["beta_mean"][name] = _readonly(h.records["beta"])
    return RedBlue(steps=_readonly(h.eval_steps),
                   settings=_frozen(dict(offset=offset, steps=steps, lr=lr, batch_size=batch_size,
                                         eval_every=eval_every, seed=seed)),
                   **{k: _frozen(v) for k, v in results.items()})


@dataclass(frozen=True)
class Learned:
    """Results of :func:`learned_scale_shift`: ``gamma[i]``, ``beta[i]`` — the learned γ and β of
    BN layer i (one entry per unit); ``before[i]``, ``after[i]`` — the activation inputs of hidden
    layer i on the test set at initialization and after training; ``test_accuracy`` at the end.
    Read-only (tuples of read-only arrays)."""

    activation: str
    gamma: tuple
    beta: tuple
    before: tuple
    after: tuple
    test_accuracy: float
    settings: MappingProxyType


@lru_cache(maxsize=4)
def learned_scale_shift(activation="sigmoid", steps=1500, lr=0.5, batch_size=60, seed=0):
    """Train :func:`bn_mlp` (γ = 1, β = 0 at the start, float64) on the digits and keep where γ and
    β ended up, with the activation inputs before and after training. Cached per settings."""
    lr = _check_lr(lr)
    d = _digits(seed)
    model = bn_mlp(activation, seed=seed)
    before = activation_inputs(model, d.X_test)
    with one_blas_thread():
        h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                X_test=d.X_test, y_test=d.y_test)
    bns = [layer for layer in model.layers if isinstance(layer, BatchNorm)]
    ro = lambda arrays: tuple(_readonly(a) for a in arrays)
    return Learned(activation=activation, gamma=ro(b.gamma for b in bns), beta=ro(b.beta for b in bns),
                   before=ro(before), after=ro(activation_inputs(model, d.X_test)),
                   test_accuracy=h.test_accuracy[-1],
                   settings=_frozen(dict(steps=steps, lr=lr, batch_size=batch_size, seed=seed)))


# ----------------------------------------------------------------------------------------------
# The seed sweeps (run as a script: long_runs.py) and their saved results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One training run of :func:`bn_mlp`, summarised: ``steps`` (evaluation steps),
    ``test_accuracy`` at each, ``mean_beta`` (evaluations, BN layers), ``final_loss`` (the mean
    training loss of the last 50 steps)."""

    steps: tuple
    test_accuracy: tuple
    mean_beta: tuple
    final_loss: float


def train_bn_mlp(activation="sigmoid", affine=True, beta0=0.0, lr=0.5, steps=600, seed=0,
                 batch_size=60, eval_every=50):
    """Train :func:`bn_mlp` (float64, one BLAS thread) on the digits split of ``seed`` with SGD
    (batch ``batch_size``, learning rate ``lr``) and return a :class:`Run`. This is exactly what
    :func:`red_blue` does for one network (the same numbers for the same settings)."""
    lr = _check_lr(lr)
    steps = positive_int(steps, "steps")
    d = _digits(seed)
    model = bn_mlp(activation, beta0=beta0, seed=seed, affine=affine)
    record = {"beta": lambda m: [float(l.beta.mean()) if l.beta is not None else 0.0
                                 for l in m.layers if isinstance(l, BatchNorm)]}
    h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
            X_test=d.X_test, y_test=d.y_test, eval_every=eval_every, record=record)
    if h.diverged:
        raise RuntimeError(f"training diverged at step {h.diverged_at} (lr={lr})")
    return Run(steps=tuple(h.eval_steps), test_accuracy=tuple(h.test_accuracy),
               mean_beta=tuple(tuple(b) for b in h.records["beta"]),
               final_loss=float(np.mean(h.loss[-50:])))


def load_results(path=None):
    """The results saved by ``python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs``
    (a read-only nested mapping; lists become tuples): ``red_blue[lr][name]`` and
    ``ablation[activation][lr][affine]`` hold one :class:`Run`-like mapping per seed."""
    path = RESULTS if path is None else Path(path)
    return _deep_freeze(load_json(path, "python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs"))


