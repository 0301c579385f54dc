"""The benefits of batch norm, measured at laptop scale: the experiments behind notebook 06.

Ioffe & Szegedy (2015, §4.2.1) list what BN let them change when training Inception on ImageNet:
a higher learning rate, no dropout, a 5× smaller L2 weight regularization, among others; the result
reached the original accuracy in 14× fewer steps (§4.2.2). This module runs the same comparisons on
the digits with the BN paper's Figure 1 network (3 hidden layers of 100 sigmoids, batch 60), with and
without BN, every experiment cached so that the notebook and its explorer share one run:

- :func:`lr_sweep` — a log-spaced learning-rate sweep: the largest rate that still trains, and the
  steps to a target test accuracy (:func:`steps_to_target`);
- :func:`regularization_runs` — plain, dropout, BN, BN + dropout: train/test accuracy and their gap;
- :func:`weight_decay_sweep` — L2 weight decay (SGD's ``weight_decay``) with and without BN, and
  :func:`weight_scale_invariance` — why weight decay in front of BN changes the step size, not the function;
- :func:`count_runs` — how many runs and SGD steps a notebook used (shared cached runs counted once).
"""

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ...data import load_digits
from ...layers import BatchNorm, _positive_int
from ...nn import Dropout, Linear, ReLU, Sequential, Sigmoid, accuracy, fit, softmax_cross_entropy

__all__ = ["LRS", "digits_mlp", "steps_to_target", "Run", "train", "Sweep", "lr_sweep",
           "regularization_runs", "weight_decay_sweep", "largest_lr_that_trains", "count_runs",
           "weight_scale_invariance"]

# Half-decade steps (×√10 ≈ 3.16, rounded) from 0.03 to 100.
LRS = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
NETWORKS = ("plain", "bn")


def digits_mlp(bn=False, dropout=0.0, hidden=(100, 100, 100), activation="sigmoid", init=None, seed=0):
    """Linear → [BatchNorm] → activation → [Dropout] for each hidden layer, then Linear → 10 logits.

    Sigmoid networks start from N(0, 0.1²) weights as in the BN paper's Figure 1 (the same weights as
    :func:`normlib.models.sigmoid_mlp` for the same seed); ReLU networks from He initialization. With BN
    the hidden linear layers have no bias (BN's β replaces it).
    """
    if activation not in ("sigmoid", "relu"):
        raise ValueError(f"activation must be 'sigmoid' or 'relu'; got {activation!r}")
    if not np.isscalar(dropout) or not 0 <= dropout < 1:
        raise ValueError(f"dropout (the drop probability) must be in [0, 1); got {dropout!r}")
    init = init if init is not None else (0.1 if activation == "sigmoid" else "he")
    rng = np.random.default_rng(seed)
    layers, n_in = [], 64
    for width in hidden:
        layers.append(Linear(n_in, width, init=init, bias=not bn, rng=rng))
        if bn:
            layers.append(BatchNorm(width))
        layers.append(Sigmoid() if activation == "sigmoid" else ReLU())
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
        n_in = width
    layers.append(Linear(n_in, 10, init=init if activation == "sigmoid" else "xavier", rng=rng))
    return Sequential(*layers)


def steps_to_target(eval_steps, test_accuracy, target):
    """The first evaluated step at which ``test_accuracy`` ≥ ``target``, or None if it never does.

    ``eval_steps`` and ``test_accuracy`` are :class:`normlib.History`'s lists of the same length.
    """
    steps, acc = np.asarray(eval_steps), np.asarray(test_accuracy, dtype=float)
    if steps.shape != acc.shape or steps.ndim != 1:
        raise ValueError(f"eval_steps and test_accuracy must be 1-D of the same length; got shapes "
                         f"{steps.shape} and {acc.shape}")
    if not np.isscalar(target) or not 0 < target <= 1:
        raise ValueError(f"target must be an accuracy in (0, 1]; got {target!r}")
    hit = np.flatnonzero(acc >= target)
    return int(steps[hit[0]]) if hit.size else None


@dataclass
class Run:
    """One training run: its settings, the training ``loss`` of every step, test accuracy at
    ``eval_steps``, the final training-set accuracy, and where it diverged (None if it did not)."""

    network: str
    lr: float
    loss: np.ndarray
    eval_steps: np.ndarray
    test_accuracy: np.ndarray
    train_accuracy: float
    diverged_at: int | None
    status: str
    settings: dict = field(default_factory=dict)

    @property
    def final_test_accuracy(self):
        return float(self.test_accuracy[-1]) if not self.diverged_at else float("nan")

    def steps_to(self, target):
        return steps_to_target(self.eval_steps, self.test_accuracy, target)


def train(network="plain", lr=1.0, steps=400, batch_size=60, eval_every=20, dropout=0.0,
          weight_decay=0.0, activation="sigmoid", seed=0, data_seed=0):
    """Train one :func:`digits_mlp` (``network`` "plain" or "bn") with :func:`normlib.fit`; a :class:`Run`.

    Cached: the experiments below share runs with the same settings, however the arguments are
    passed (treat the result as read-only).
    """
    if network not in NETWORKS:
        raise ValueError(f"network must be 'plain' or 'bn'; got {network!r}")
    return _train(network, float(lr), int(steps), int(batch_size), int(eval_every), float(dropout),
                  float(weight_decay), activation, int(seed), int(data_seed))


@lru_cache(maxsize=128)
def _train(network, lr, steps, batch_size, eval_every, dropout, weight_decay, activation, seed, data_seed):
    d = load_digits(seed=data_seed)
    model = digits_mlp(network == "bn", dropout, activation=activation, seed=seed)
    h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
            weight_decay=weight_decay, X_test=d.X_test, y_test=d.y_test, eval_every=eval_every)
    train_acc = float("nan") if h.diverged else accuracy(model, d.X_train, d.y_train)
    return Run(network, lr, np.array(h.loss), np.array(h.eval_steps), np.array(h.test_accuracy), train_acc,
               h.diverged_at, h.status, dict(steps=steps, batch_size=batch_size, dropout=dropout,
                                             weight_decay=weight_decay, activation=activation, seed=seed,
                                             weight_norm=float(np.linalg.norm(model[0].weight))))


def largest_lr_that_trains(lrs, final_accuracy, threshold=0.9):
    """The largest learning rate whose run ended at ≥ ``threshold`` test accuracy (NaN for a diverged
    run counts as failing), or None if none did."""
    lrs, acc = np.asarray(lrs, float), np.asarray(final_accuracy, float)
    if lrs.shape != acc.shape:
        raise ValueError(f"lrs and final_accuracy must have the same length; got {lrs.shape} and {acc.shape}")
    ok = np.nan_to_num(acc, nan=0.0) >= threshold
    return float(lrs[ok].max()) if ok.any() else None


@dataclass
class Sweep:
    """Results of :func:`lr_sweep`: ``runs[network]`` is a list of :class:`Run`, one per ``lrs``."""

    lrs: tuple
    runs: dict
    settings: dict

    def final_accuracy(self, network):
        return np.array([r.final_test_accuracy for r in self.runs[network]])

    def largest_lr(self, network, threshold=0.9):
        return largest_lr_that_trains(self.lrs, self.final_accuracy(network), threshold)

    def steps_to(self, network, target):
        """Steps to ``target`` test accuracy for every learning rate (None where never reached)."""
        return [r.steps_to(target) for r in self.runs[network]]

    def fastest(self, network, target):
        """(steps, lr) of the learning rate that reached ``target`` first (ties: the smaller lr), or
        (None, None)."""
        hits = [(s, lr) for s, lr in zip(self.steps_to(network, target), self.lrs) if s is not None]
        return min(hits) if hits else (None, None)

    @property
    def total_steps(self):
        return sum(len(r.loss) for runs in self.runs.values() for r in runs)


@lru_cache(maxsize=2)
def lr_sweep(lrs=LRS, steps=400, batch_size=60, eval_every=20, seed=0):
    """Train the plain and the BN network at every learning rate of ``lrs`` (same seed, same batches)."""
    runs = {net: [train(net, lr, steps, batch_size, eval_every, seed=seed) for lr in lrs] for net in NETWORKS}
    return Sweep(tuple(lrs), runs, dict(steps=steps, batch_size=batch_size, eval_every=eval_every, seed=seed))


@lru_cache(maxsize=2)
def regularization_runs(lr=1.0, steps=500, dropout=0.2, seeds=(0, 1), eval_every=50):
    """Plain, dropout, BN and BN + dropout networks, each trained with every seed of ``seeds`` (the
    seed sets the initial weights, the batches and the dropout masks). Returns a dict name → list of
    :class:`Run` (one per seed)."""
    configs = {"plain": ("plain", 0.0), "dropout": ("plain", dropout), "BN": ("bn", 0.0),
               "BN + dropout": ("bn", dropout)}
    return {name: [train(net, lr, steps, eval_every=eval_every, dropout=p, seed=s) for s in seeds]
            for name, (net, p) in configs.items()}


@lru_cache(maxsize=2)
def weight_decay_sweep(weight_decays=(0.0, 1e-3, 1e-2), lr=1.0, steps=500, seed=0, eval_every=50):
    """The plain and the BN network trained with each L2 weight decay (SGD's ``weight_decay``, the
    gradient of (λ/2)·‖w‖² added to every parameter's gradient). Returns a dict network → list of
    :class:`Run`, one per weight decay; ``run.settings['weight_norm']`` is ‖W₁‖ at the end."""
    return {net: [train(net, lr, steps, eval_every=eval_every, weight_decay=wd, seed=seed)
                  for wd in weight_decays] for net in NETWORKS}


def count_runs(*results):
    """(number of distinct training runs, total SGD steps) in any mix of :class:`Run`, :class:`Sweep`,
    and lists or dicts of them. A run shared by two experiments (the cache) is counted once."""
    seen = {}

    def visit(obj):
        if isinstance(obj, Run):
            seen[id(obj)] = obj
        elif isinstance(obj, Sweep):
            visit(obj.runs)
        elif isinstance(obj, dict):
            for v in obj.values():
                visit(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                visit(v)
        else:
            raise TypeError(f"results must be Runs, Sweeps, or lists/dicts of them; got {type(obj).__name__}")

    for r in results:
        visit(r)
    return len(seen), sum(len(r.loss) for r in seen.values())


def weight_scale_invariance(model, X, y, layer=0, factor=0.5):
    """Scale the weight of linear layer ``layer`` by ``factor`` and compare, in training mode on the
    batch (X, y): returns ``(max |Δ logits|, ‖∇W‖ after / ‖∇W‖ before)``.

    If BN follows the layer, BN(c·Wx) = BN(Wx) up to ε: the logits do not change, and the gradient
    with respect to W scales by 1/c. So the loss cannot push ‖W‖ anywhere, weight decay only shrinks
    it, and a smaller ‖W‖ means a larger *effective* step lr/‖W‖² (van Laarhoven 2017).
    ``model`` is not changed (a copy runs).
    """
    import copy

    work = copy.deepcopy(model).train()
    if not isinstance(work[layer], Linear):
        raise ValueError(f"layer must index a Linear layer of model; layer {layer} is {type(work[layer]).__name__}")
    results = []
    for scale in (1.0, factor):
        w = copy.deepcopy(work)
        w[layer].weight = (w[layer].weight * scale).astype(w[layer].weight.dtype)
        logits = w.forward(X)
        w.backward(softmax_cross_entropy(logits, y)[1])
        results.append((logits, float(np.linalg.norm(w[layer].dweight))))
    (l0, g0), (l1, g1) = results
    return float(np.abs(l1 - l0).max()), g1 / g0
