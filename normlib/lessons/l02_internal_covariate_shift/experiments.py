"""Internal covariate shift, measured: the experiments behind notebook 02.

- :func:`sigmoid_mlp` — the BN paper's Figure 1 network: 3 fully connected hidden layers of 100
  sigmoid units, optionally with BN after each hidden linear layer, optionally "noisy BN", or the
  plain network with the same noise (Santurkar et al.'s control).
- :class:`SanturkarNoise` — Santurkar et al. (2018, App. A.2.1, Algorithm 1): after BN, every
  activation is scaled and shifted by noise whose distribution changes at every training step.
- :func:`sigmoid_inputs` — what each sigmoid receives on a data set, without side effects.
- :func:`figure1` — train the plain, BN, noisy-BN and noisy-plain networks and record test accuracy
  and sigmoid inputs over training (cached, read-only: the notebook and its explorer share one run).
- :func:`summarize` — the numbers the notebook's sentences rest on, from one :func:`figure1` run;
  :func:`load_results` — the same for 5 seeds, saved by ``long_runs.py``.
- :func:`ics_measure` — Santurkar et al.'s ICS (Definition 2.1): how much a layer's gradient changes
  when the layers before it take their step (‖G − G′‖₂, their measure; also divided by ‖G‖, and the cosine).
- :func:`loss_along_gradient` — how far the loss and the gradient change along the gradient
  direction, their measure of a smooth ("predictive") loss landscape (§3.1).

Training is in float64 on one BLAS thread, so the numbers do not depend on the CPU.
"""

import copy
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ... import models
from ...data import load_digits
from ...module import Module, Sequential, as_rng
from ...nn import Linear, Sigmoid, fit, softmax_cross_entropy
from ...probe import layer_inputs
from ...results import freeze as _deep_freeze, load_json, readonly as _readonly

__all__ = ["SanturkarNoise", "NETWORKS", "sigmoid_mlp", "sigmoid_inputs", "figure1", "Figure1", "first_step",
           "summarize", "load_results", "RESULTS", "ics_measure", "loss_along_gradient"]

NETWORKS = ("plain", "bn", "noisy_bn", "noisy_plain")
RESULTS = Path(__file__).with_name("results") / "seed_sweep.json"


class SanturkarNoise(Module):
    """"Noisy BN" noise, Santurkar et al. (2018), App. A.2.1, Algorithm 1; put right after a BN layer.

    At every training step, for every unit j: μ_j ~ U(−n_mu, n_mu) and σ_j ~ U(1, n_sigma); then
    for every example i: m_ij ~ U(μ_j − r_mu, μ_j + r_mu), s_ij ~ N(σ_j, r_sigma²), and

        y_ij = s_ij · x_ij + m_ij

    — multiplicative and additive noise, whose distribution changes at every step. Defaults: the
    paper's n_mu = 0.5, n_sigma = 1.25, r_mu = r_sigma = 0.1. Backward: dx = s · dy (the s of the
    last forward). Eval mode: the identity.
    """

    def __init__(self, n_mu=0.5, n_sigma=1.25, r_mu=0.1, r_sigma=0.1, rng=None):
        for name, value, low in (("n_mu", n_mu, 0.0), ("n_sigma", n_sigma, 1.0), ("r_mu", r_mu, 0.0),
                                 ("r_sigma", r_sigma, 0.0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= low:
                raise ValueError(f"{name} must be a number ≥ {low:g}; got {value!r}")
        self.n_mu, self.n_sigma = float(n_mu), float(n_sigma)
        self.r_mu, self.r_sigma = float(r_mu), float(r_sigma)
        self.rng = as_rng(rng)
        self._s = None

    def sample(self, shape, rng=None):
        """Draw one step's noise for activations of ``shape`` (examples, units): (s, m)."""
        rng = self.rng if rng is None else rng
        n = shape[-1]
        mu = rng.uniform(-self.n_mu, self.n_mu, n)
        sigma = rng.uniform(1.0, self.n_sigma, n)
        m = mu + self.r_mu * (2.0 * rng.random(shape) - 1.0)          # U(μ − r_mu, μ + r_mu)
        s = sigma + self.r_sigma * rng.standard_normal(shape)        # N(σ, r_sigma²)
        return s, m

    def forward(self, x):
        if not self.training:
            self._s = None
            return x.copy()
        s, m = self.sample(x.shape)
        self._s = s.astype(x.dtype)
        return self._s * x + m.astype(x.dtype)

    def backward(self, dy):
        return dy.copy() if self._s is None else dy * self._s

    def extra_repr(self):
        return f"n_mu={self.n_mu:g}, n_sigma={self.n_sigma:g}, r_mu={self.r_mu:g}, r_sigma={self.r_sigma:g}"


def sigmoid_mlp(norm=None, hidden=(100, 100, 100), n_in=64, n_out=10, init=0.1, seed=0,
                noise=None, dtype=np.float64):
    """The BN paper's Figure 1 network (:func:`normlib.models.sigmoid_mlp`), in float64 by default.

    ``norm``: None (plain), ``"bn"``, ``"noisy_bn"`` (a :class:`SanturkarNoise` right after each
    BN) or ``"noisy_plain"`` (the plain network with the same noise right after each hidden linear
    layer: Santurkar et al.'s control). ``noise``: a dict of :class:`SanturkarNoise`'s settings
    (default: the paper's). The noise draws from its own generator, seeded by ``seed``, so that the
    noisy-BN and the noisy-plain networks of one seed get the same noise; the weights are the same
    as the plain or BN network's of that seed.
    """
    if norm not in (None,) + NETWORKS:
        raise ValueError(f"norm must be None, 'plain', 'bn', 'noisy_bn' or 'noisy_plain'; got {norm!r}")
    if noise is not None and not isinstance(noise, dict):
        raise TypeError(f"noise must be a dict of SanturkarNoise settings (n_mu, n_sigma, r_mu, r_sigma); "
                        f"got {type(noise).__name__}")
    noise = dict(noise or {})
    noise_rng = np.random.default_rng([seed, 2018])
    make_noise = lambda _rng=None: SanturkarNoise(**noise, rng=noise_rng)
    if norm in (None, "plain"):
        return models.sigmoid_mlp(None, hidden=hidden, n_in=n_in, n_out=n_out, init=init, seed=seed, dtype=dtype)
    if norm in ("bn", "noisy_bn"):
        return models.sigmoid_mlp("bn", hidden=hidden, n_in=n_in, n_out=n_out, init=init, seed=seed,
                                  after_norm=make_noise if norm == "noisy_bn" else None, dtype=dtype)
    plain = models.sigmoid_mlp(None, hidden=hidden, n_in=n_in, n_out=n_out, init=init, seed=seed, dtype=dtype)
    layers = []
    for i, layer in enumerate(plain.layers):
        layers.append(layer)
        if isinstance(layer, Linear) and i < len(plain.layers) - 1:      # every hidden linear layer
            layers.append(make_noise())
    return Sequential(*layers)


def sigmoid_inputs(model, X, rng=None):
    """The input of every sigmoid of ``model`` on the examples ``X``, as in a training step:
    BN layers normalize with the statistics of ``X`` itself, noise layers draw fresh noise (from
    ``rng``, not from the layer's own generator). Nothing is changed: no running statistics are
    updated, no noise is drawn from the model. Returns a list, one (N, width) array per sigmoid."""
    rng = as_rng(rng if rng is not None else 0)

    def noise(layer, h):
        if isinstance(layer, SanturkarNoise):
            s, m = layer.sample(h.shape, rng)
            return s * h + m
        return None
    return layer_inputs(model, X, Sigmoid, step=noise)



@dataclass(frozen=True)
class Figure1:
    """Results of :func:`figure1` (read-only). ``steps``: the evaluation steps; for each network
    name (:data:`NETWORKS`): ``test_accuracy[name]`` (one per step), ``inputs[name]`` of shape
    (steps, layers, test examples, units): sigmoid inputs of the first ``units`` units of each
    hidden layer on the test set, as in a training step (noise included); ``loss[name]``: the
    training loss of every step. For "plain" and "bn" only, at every evaluation step on one fixed
    training batch: ``ics[name]`` of shape (steps, hidden layers, 3) — :func:`ics_measure`'s (l2,
    cosine, diff) — ``landscape[name]`` of shape (steps, 2, len(step_sizes)) —
    :func:`loss_along_gradient`'s (losses, gradient changes) for ``step_sizes`` — and
    ``batch_loss[name]`` (steps,): the loss on that batch at the current weights, where the
    landscape measure starts."""

    steps: np.ndarray
    test_accuracy: MappingProxyType
    inputs: MappingProxyType
    loss: MappingProxyType
    ics: MappingProxyType
    landscape: MappingProxyType
    batch_loss: MappingProxyType
    step_sizes: np.ndarray
    settings: MappingProxyType

    def percentiles(self, name, layer, unit, q=(15, 50, 85)):
        """The {15, 50, 85}th percentiles of one sigmoid's input over training: (len(q), steps)."""
        return np.percentile(self.inputs[name][:, layer, :, unit], q, axis=1)


@lru_cache(maxsize=8)
def figure1(steps=2000, batch_size=60, lr=0.5, eval_every=40, units=8, seed=0, networks=NETWORKS):
    """Reproduce the BN paper's Figure 1 at laptop scale on the digits (cached per settings).

    Ioffe & Szegedy (2015, §4.1): MNIST, 3 hidden layers of 100 sigmoids, batch 60, 50,000 steps.
    Here: the 8×8 digits (split ``seed``), ``steps`` SGD steps, float64. Every network starts from
    the weights of ``seed``: each run is ``nl.fit(sigmoid_mlp(name, seed=seed), …)`` with the
    measures below recorded every ``eval_every`` steps.
    """
    networks = tuple(networks)
    unknown = [n for n in networks if n not in NETWORKS]
    if unknown or not networks:
        raise ValueError(f"networks must be a non-empty tuple of {NETWORKS}; got {networks!r}")
    d = load_digits(seed=seed, dtype=np.float64)
    Xb, yb = d.X_train[:batch_size], d.y_train[:batch_size]      # fixed batch for the ICS measures
    step_sizes = lr * np.array([0.25, 0.5, 1.0, 2.0, 4.0])
    results = dict(test_accuracy={}, inputs={}, loss={}, ics={}, landscape={}, batch_loss={})
    for name in networks:
        model = sigmoid_mlp(name, seed=seed)
        probe_rng = np.random.default_rng(seed + 1)
        record = {"inputs": lambda m: np.stack([h[:, :units] for h in
                                                sigmoid_inputs(m, d.X_test, probe_rng)])}
        if name in ("plain", "bn"):
            record["ics"] = lambda m: [(r["l2"], r["cosine"], r["diff"]) for r in ics_measure(m, Xb, yb, lr)]
            record["landscape"] = lambda m: loss_along_gradient(m, Xb, yb, step_sizes)
            record["batch_loss"] = lambda m: _grads(copy.deepcopy(m).train(), Xb, yb)[0]
        h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                X_test=d.X_test, y_test=d.y_test, eval_every=eval_every, record=record)
        results["test_accuracy"][name] = _readonly(h.test_accuracy)
        results["inputs"][name] = _readonly(np.stack(h.records["inputs"]), np.float32)
        results["loss"][name] = _readonly(h.loss)
        if name in ("plain", "bn"):
            results["ics"][name] = _readonly(h.records["ics"])
            results["landscape"][name] = _readonly(h.records["landscape"])
            results["batch_loss"][name] = _readonly(h.records["batch_loss"])
    settings = dict(steps=steps, batch_size=batch_size, lr=lr, eval_every=eval_every, units=units, seed=seed)
    return Figure1(steps=_readonly(h.eval_steps), step_sizes=_readonly(step_sizes),
                   settings=MappingProxyType(settings),
                   **{k: MappingProxyType(v) for k, v in results.items()})


def first_step(steps, acc, target):
    """The first evaluated step with accuracy ≥ ``target``, or None."""
    hit = np.nonzero(np.asarray(acc) >= target)[0]
    return int(steps[hit[0]]) if hit.size else None


def summarize(r, layer=3, early=200):
    """The numbers behind notebook 02's sentences, from one :func:`figure1` run (a plain dict):

    per network: ``test_accuracy`` (every evaluation), ``final_acc``, ``step90``/``step95`` (first evaluated step at 90% / 95%, None if
    never), and for the recorded units of hidden layer ``layer``: ``spread_start``/``spread_end``
    (the 85th − 15th percentile of the input over the test set at the first and last evaluation,
    averaged over the units), ``median_abs_end`` (mean |median| at the end) and ``median_move``,
    ``spread_move`` (mean absolute change between consecutive evaluations, whole run, as in the
    notebook). For "plain" and "bn": ``ics_l2``/``ics_cos``/``ics_diff`` per hidden layer 2.. (‖G − G′‖/‖G‖,
    the cosine and ‖G − G′‖ itself, mean over the evaluations after step 0; ``ics_l2_early``,
    ``ics_diff_early``: evaluations in (0, ``early``]), ``loss_range`` (the loss range along the gradient, mean over the
    evaluations after step 0), ``loss_range_early`` (evaluations in (0, ``early``]) and, for comparing
    at equal loss, ``loss_range_each`` and ``batch_loss`` (every evaluation after step 0)."""
    out = {}
    later = r.steps > 0
    early_mask = later & (r.steps <= early)
    for name in r.test_accuracy:
        acc = r.test_accuracy[name]
        x = r.inputs[name][:, layer - 1].astype(np.float64)          # (steps, examples, units)
        p15, p50, p85 = np.percentile(x, (15, 50, 85), axis=1)       # (steps, units)
        spread = p85 - p15
        s = dict(test_accuracy=[float(a) for a in acc],
                 final_acc=float(acc[-1]), step90=first_step(r.steps, acc, 0.90),
                 step95=first_step(r.steps, acc, 0.95),
                 spread_start=float(spread[0].mean()), spread_end=float(spread[-1].mean()),
                 median_abs_end=float(np.abs(p50[-1]).mean()),
                 median_move=float(np.abs(np.diff(p50, axis=0)).mean()),
                 spread_move=float(np.abs(np.diff(spread, axis=0)).mean()))
        if name in r.ics:
            s["ics_l2"] = [float(v) for v in r.ics[name][later, 1:, 0].mean(axis=0)]
            s["ics_cos"] = [float(v) for v in r.ics[name][later, 1:, 1].mean(axis=0)]
            s["ics_l2_early"] = [float(v) for v in r.ics[name][early_mask, 1:, 0].mean(axis=0)]
            s["ics_diff"] = [float(v) for v in r.ics[name][later, 1:, 2].mean(axis=0)]
            s["ics_diff_early"] = [float(v) for v in r.ics[name][early_mask, 1:, 2].mean(axis=0)]
            L = r.landscape[name][:, 0]                                # (steps, step sizes)
            rng_ = L.max(axis=1) - L.min(axis=1)
            s["loss_range"] = float(rng_[later].mean())
            s["loss_range_early"] = float(rng_[early_mask].mean())
            s["loss_range_each"] = [float(v) for v in rng_[later]]
            s["batch_loss"] = [float(v) for v in r.batch_loss[name][later]]
        out[name] = s
    return out


def load_results(path=None):
    """The 5-seed results saved by ``python -m normlib.lessons.l02_internal_covariate_shift.long_runs``:
    a read-only mapping with ``settings``, ``seeds``, ``command``, ``versions`` and ``runs`` — one
    :func:`summarize` mapping per seed (lists become tuples)."""
    path = RESULTS if path is None else Path(path)
    return _deep_freeze(load_json(path, "python -m normlib.lessons.l02_internal_covariate_shift.long_runs"))



def _grads(model, X, y):
    """Forward and backward on (X, y) in training mode; a copy of every parameter's gradient."""
    loss, dlogits = softmax_cross_entropy(model.forward(X), y)
    model.backward(dlogits)
    return loss, {name: g.copy() for name, _, g in model.parameters()}


def ics_measure(model, X, y, lr):
    """Santurkar et al. (2018), Definition 2.1, for every hidden linear layer i of ``model``:

        G  = ∇_{W_i} L(W_1, …, W_k; x, y)                      (the gradient layer i gets now)
        G' = ∇_{W_i} L(W_1', …, W_{i−1}', W_i, …, W_k; x, y)    (after the layers before i stepped)

    with W' = W − lr·∇L on the same batch (every parameter before layer i steps: the earlier
    linear layers' W and b, and the earlier BN layers' γ and β). Returns a list of dicts with ``diff`` =
    ‖G − G'‖₂ (Definition 2.1 itself), ``l2`` = ‖G − G'‖₂ / ‖G‖₂ (relative: it does not grow with the
    size of the gradient) and ``cosine`` = cos(G, G'). ``model`` is left unchanged (a deep copy is used,
    and BN running statistics are not touched). A network whose inputs shift little under the
    earlier layers' updates has l2 near 0 and cosine near 1.
    """
    work = copy.deepcopy(model).train()
    linear = [i for i, layer in enumerate(work.layers) if isinstance(layer, Linear)][:-1]
    _, G = _grads(work, X, y)
    out = []
    for i in linear:
        stepped = copy.deepcopy(work)
        for j, layer in enumerate(stepped.layers[:i]):     # every layer before i: W, b, and BN's γ, β
            for name, value, _ in layer.parameters():
                value -= lr * G[f"{j}.{name}"]
        _, G2 = _grads(stepped, X, y)
        g, g2 = G[f"{i}.weight"].ravel(), G2[f"{i}.weight"].ravel()
        out.append(dict(layer=linear.index(i) + 1, diff=float(np.linalg.norm(g - g2)),
                        l2=float(np.linalg.norm(g - g2) / np.linalg.norm(g)),
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
