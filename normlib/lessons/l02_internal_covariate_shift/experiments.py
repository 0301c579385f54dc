"""Internal covariate shift, measured: the experiments behind notebook 02.

- :func:`sigmoid_mlp` — the BN paper's Figure 1 network: 3 fully connected hidden layers of 100
  sigmoid units, optionally with BN after each hidden linear layer, optionally "noisy BN".
- :class:`NoisyShift` — Santurkar et al. (2018, §2.1): after BN, noise whose mean and variance
  change at every training step, so the layer input distributions move *more* than without BN.
- :func:`sigmoid_inputs` — what each sigmoid receives on a data set, without side effects.
- :func:`figure1` — train plain, BN and noisy-BN networks and record test accuracy and sigmoid
  inputs over training (cached: the notebook and its explorer share one run).
- :func:`ics_measure` — Santurkar et al.'s ICS (Definition 2.1): how much a layer's gradient changes
  when the layers before it take their step.
- :func:`loss_along_gradient` — how far the loss and the gradient change along the gradient
  direction, their measure of a smooth ("predictive") loss landscape (§3.1).
"""

import copy
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ... import functional as F, models
from ...data import load_digits
from ...layers import BatchNorm, Module
from ...nn import Linear, Sequential, Sigmoid, accuracy, as_rng, fit, softmax_cross_entropy

__all__ = ["NoisyShift", "sigmoid_mlp", "sigmoid_inputs", "figure1", "Figure1",
           "ics_measure", "loss_along_gradient"]


class NoisyShift(Module):
    """"Noisy BN" noise (Santurkar et al. 2018, §2.1), placed right after a BatchNorm layer.

    In training, every step draws for each unit j a mean m_j ~ U(−mean_range, mean_range) and a
    standard deviation s_j ~ U(0, std_range); then every activation gets i.i.d. noise from
    N(m_j, s_j²): y_ij = x_ij + m_j + s_j·z_ij. The distribution the next layer sees is therefore
    neither zero-mean nor unit-variance, and it changes at every step. Eval mode: the identity.
    """

    def __init__(self, mean_range=1.0, std_range=1.0, rng=None):
        if not mean_range >= 0 or not std_range >= 0:
            raise ValueError(f"mean_range and std_range must be ≥ 0; got {mean_range!r}, {std_range!r}")
        self.mean_range, self.std_range = float(mean_range), float(std_range)
        self.rng = as_rng(rng)

    def noise(self, shape, dtype):
        n = shape[-1]
        m = self.rng.uniform(-self.mean_range, self.mean_range, n)
        s = self.rng.uniform(0.0, self.std_range, n)
        return (m + s * self.rng.standard_normal(shape)).astype(dtype)

    def forward(self, x):
        return x + self.noise(x.shape, x.dtype) if self.training else x.copy()

    def backward(self, dy):
        return dy.copy()                      # additive noise: the gradient passes unchanged


def sigmoid_mlp(norm=None, hidden=(100, 100, 100), n_in=64, n_out=10, init=0.1, seed=0,
                noise=(1.0, 1.0), dtype=np.float32):
    """The BN paper's Figure 1 network (:func:`normlib.models.sigmoid_mlp`), with one more choice:
    ``norm="noisy_bn"`` puts a :class:`NoisyShift` with ``noise = (mean_range, std_range)`` right
    after each BN. ``norm``: None (plain), ``"bn"`` or ``"noisy_bn"``.
    """
    if norm not in (None, "bn", "noisy_bn"):
        raise ValueError(f"norm must be None, 'bn' or 'noisy_bn'; got {norm!r}")
    after = (lambda rng: NoisyShift(*noise, rng=rng)) if norm == "noisy_bn" else None
    return models.sigmoid_mlp(None if norm is None else "bn", hidden=hidden, n_in=n_in, n_out=n_out,
                              init=init, seed=seed, after_norm=after, dtype=dtype)


def sigmoid_inputs(model, X, rng=None):
    """The input of every sigmoid of ``model`` on the examples ``X``, as in a training step:
    BN layers normalize with the statistics of ``X`` itself, noise layers draw fresh noise.
    Nothing is changed: no running statistics are updated. Returns a list, one (N, width) array
    per sigmoid, in order."""
    rng = as_rng(rng if rng is not None else 0)
    out, h = [], X
    for layer in model.layers:
        if isinstance(layer, BatchNorm):
            h = F.batch_norm(h, layer.gamma, layer.beta, layer.eps)
        elif isinstance(layer, NoisyShift):
            h = h + NoisyShift(layer.mean_range, layer.std_range, rng).noise(h.shape, h.dtype)
        else:
            if isinstance(layer, Sigmoid):
                out.append(h)
            h = _eval_forward(layer, h)
    return out


def _eval_forward(layer, x):
    was = layer.training
    layer.train(False)
    try:
        return layer.forward(x)
    finally:
        layer.train(was)


@dataclass
class Figure1:
    """Results of :func:`figure1`. ``steps``: the evaluation steps; for each network name
    ("plain", "bn", "noisy_bn"): ``test_accuracy[name]`` (one per step), ``inputs[name]`` of shape
    (steps, layers, test examples, units): sigmoid inputs of the first ``units`` units of each
    hidden layer on the test set; ``loss[name]``: the training loss of every step.
    For "plain" and "bn" only (the noise of noisy BN would swamp these measures), at every
    evaluation step on one fixed training batch: ``ics[name]`` of shape (steps, hidden layers, 2) —
    :func:`ics_measure`'s (l2, cosine) — and ``landscape[name]`` of shape (steps, 2, len(step_sizes))
    — :func:`loss_along_gradient`'s (losses, gradient changes) for ``step_sizes``."""

    steps: np.ndarray
    test_accuracy: dict
    inputs: dict
    loss: dict
    ics: dict
    landscape: dict
    step_sizes: np.ndarray
    settings: dict

    def percentiles(self, name, layer, unit, q=(15, 50, 85)):
        """The {15, 50, 85}th percentiles of one sigmoid's input over training: (len(q), steps)."""
        return np.percentile(self.inputs[name][:, layer, :, unit], q, axis=1)


@lru_cache(maxsize=4)
def figure1(steps=2000, batch_size=60, lr=0.5, eval_every=40, units=8, seed=0,
            networks=("plain", "bn", "noisy_bn")):
    """Reproduce the BN paper's Figure 1 at laptop scale on the digits (cached per settings).

    Ioffe & Szegedy (2015, §4.1): MNIST, 3 hidden layers of 100 sigmoids, batch 60, 50,000 steps.
    Here: the 8×8 digits, ``steps`` SGD steps. Every network starts from the same seed.
    """
    d = load_digits(seed=seed)
    Xb, yb = d.X_train[:batch_size], d.y_train[:batch_size]      # fixed batch for the ICS measures
    step_sizes = lr * np.array([0.25, 0.5, 1.0, 2.0, 4.0])
    results = dict(test_accuracy={}, inputs={}, loss={}, ics={}, landscape={})
    for name in networks:
        model = sigmoid_mlp(None if name == "plain" else name, seed=seed)
        probe_rng = np.random.default_rng(seed + 1)
        record = {"inputs": lambda m: np.stack([h[:, :units] for h in
                                                sigmoid_inputs(m, d.X_test, probe_rng)])}
        if name != "noisy_bn":
            record["ics"] = lambda m: [(r["l2"], r["cosine"]) for r in ics_measure(m, Xb, yb, lr)]
            record["landscape"] = lambda m: loss_along_gradient(m, Xb, yb, step_sizes)
        h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                X_test=d.X_test, y_test=d.y_test, eval_every=eval_every, record=record)
        results["test_accuracy"][name] = np.array(h.test_accuracy)
        results["inputs"][name] = np.stack(h.records["inputs"]).astype(np.float32)
        results["loss"][name] = np.array(h.loss)
        if name != "noisy_bn":
            results["ics"][name] = np.array(h.records["ics"])
            results["landscape"][name] = np.array(h.records["landscape"])
    return Figure1(steps=np.array(h.eval_steps), step_sizes=step_sizes,
                   settings=dict(steps=steps, batch_size=batch_size, lr=lr, eval_every=eval_every,
                                 units=units, seed=seed), **results)


def _grads(model, X, y):
    """Forward and backward on (X, y) in training mode; a copy of every parameter's gradient."""
    loss, dlogits = softmax_cross_entropy(model.forward(X), y)
    model.backward(dlogits)
    return loss, {name: g.copy() for name, _, g in model.parameters()}


def ics_measure(model, X, y, lr):
    """Santurkar et al. (2018), Definition 2.1, for every hidden linear layer i of ``model``:

        G  = ∇_{W_i} L(W_1, …, W_k; x, y)                      (the gradient layer i gets now)
        G' = ∇_{W_i} L(W_1', …, W_{i−1}', W_i, …, W_k; x, y)    (after the layers before i stepped)

    with W' = W − lr·∇L on the same batch. Returns a list of dicts with ``l2`` = ‖G − G'‖₂ /
    ‖G‖₂ (relative) and ``cosine`` = cos(G, G'). ``model`` is left unchanged (a deep copy is used,
    and BN running statistics are not touched). A network whose inputs shift little under the
    earlier layers' updates has l2 near 0 and cosine near 1.
    """
    work = copy.deepcopy(model).train()
    linear = [i for i, layer in enumerate(work.layers) if isinstance(layer, Linear)][:-1]
    _, G = _grads(work, X, y)
    out = []
    for i in linear:
        stepped = copy.deepcopy(work)
        for j in linear:
            if j < i:
                layer = stepped.layers[j]
                for name, value, _ in layer.parameters():
                    value -= lr * G[f"{j}.{name}"]
        _, G2 = _grads(stepped, X, y)
        g, g2 = G[f"{i}.weight"].ravel(), G2[f"{i}.weight"].ravel()
        out.append(dict(layer=linear.index(i) + 1, l2=float(np.linalg.norm(g - g2) / np.linalg.norm(g)),
                        cosine=float(g @ g2 / (np.linalg.norm(g) * np.linalg.norm(g2)))))
    return out


def loss_along_gradient(model, X, y, step_sizes):
    """Move every parameter along −∇L by each step size η (from the current point, on the batch
    (X, y)) and return (losses, gradient_changes): L(w − η∇L) and ‖∇L(w − η∇L) − ∇L(w)‖ / ‖∇L(w)‖.

    Santurkar et al. (2018, §3.1, Fig. 4): with BN both vary less over the same range of η — the
    landscape is smoother and the gradient more predictive. ``model`` is left unchanged.
    """
    base = copy.deepcopy(model).train()
    _, G = _grads(base, X, y)
    g0 = np.concatenate([g.ravel() for g in G.values()])
    losses, changes = [], []
    for eta in step_sizes:
        moved = copy.deepcopy(base)
        for name, value, _ in moved.parameters():
            value -= eta * G[name]
        loss, G2 = _grads(moved, X, y)
        g1 = np.concatenate([g.ravel() for g in G2.values()])
        losses.append(loss)
        changes.append(float(np.linalg.norm(g1 - g0) / np.linalg.norm(g0)))
    return np.array(losses), np.array(changes)
