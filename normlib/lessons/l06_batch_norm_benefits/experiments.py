"""The benefits of batch norm, measured at laptop scale: the experiments behind notebook 06.

Ioffe & Szegedy (2015, §4.2.1) list what BN let them change when training Inception on ImageNet:
a higher learning rate, no dropout, a 5× smaller L2 weight regularization, among others; the result
reached the original accuracy in 14× fewer steps (§4.2.2). This module runs the same comparisons on
the digits with the BN paper's Figure 1 network (3 hidden layers of 100 sigmoids, batch 60), with and
without BN, in float64 (so that the CPU's BLAS kernels change only the last digits of a run, except at
the edge of divergence, where they can decide whether it trains), over several seeds:

- :func:`train` — one run (:func:`digits_mlp` + :func:`normlib.fit`), cached, returned read-only;
- :func:`lr_sweep` — both networks at every learning rate of a grid and every seed: the largest rate
  that still trains, and the steps to a target test accuracy, each network at its own best rate;
- :func:`regularization_runs` — plain, dropout, BN, BN + dropout: train/test accuracy over training;
- :func:`weight_decay_sweep` — L2 weight decay (SGD's ``weight_decay``) with and without BN, and
  :func:`weight_scale_invariance` — why weight decay in front of BN changes the step size, not the function.

The full sweeps take minutes, so they run as a script (:mod:`.long_runs`, ``make experiments``) that
saves them to ``results/bn_benefits.json``; :func:`saved_results` loads them (read-only) for the
notebook and its explorer. Every result object is frozen and its arrays are read-only, so editing
one in a notebook cannot change what the next call or the explorer sees.
"""

import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np

from ...data import load_digits
from ...models import mlp
from ...nn import Linear, accuracy, fit, run_status, softmax_cross_entropy
from ...results import load_json, readonly

__all__ = ["LRS", "NETWORKS", "SEEDS", "WEIGHT_DECAYS", "REG_NAMES", "LOSS_BLOCK", "digits_mlp",
           "steps_to_target", "Run", "train", "Sweep", "lr_sweep", "regularization_runs",
           "weight_decay_sweep", "largest_lr_that_trains", "count_runs", "weight_scale_invariance",
           "Results", "saved_results", "results_path", "run_to_dict", "run_from_dict"]

# A learning-rate grid in steps of √2, from 2⁻⁵ ≈ 0.031 to 2⁷ = 128: a ratio of two grid points is
# known to within a factor √2 either way.
LRS = tuple(float(2.0 ** (k / 2)) for k in range(-10, 15))
NETWORKS = ("plain", "bn")
SEEDS = (0, 1, 2, 3, 4)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2)
REG_NAMES = ("plain", "dropout", "BN", "BN + dropout")
LOSS_BLOCK = 5          # a Run keeps the training loss averaged over blocks of this many steps


def digits_mlp(bn=False, dropout=0.0, hidden=(100, 100, 100), activation="sigmoid", init=None, seed=0,
               dtype=np.float64):
    """Linear → [BatchNorm] → activation → [Dropout] for each hidden layer, then Linear → 10 logits.

    Sigmoid networks start from N(0, 0.1²) weights as in the BN paper's Figure 1 (the same weights as
    :func:`normlib.models.sigmoid_mlp` for the same seed); ReLU networks from He initialization. With BN
    the hidden linear layers have no bias (BN's β replaces it). Parameters in ``dtype`` (float64 by
    default: the CPU's BLAS kernels then change only the last digits, except at the edge of divergence).
    """
    if activation not in ("sigmoid", "relu"):
        raise ValueError(f"activation must be 'sigmoid' or 'relu'; got {activation!r}")
    sigmoid = activation == "sigmoid"
    init = init if init is not None else (0.1 if sigmoid else "he")
    return mlp(hidden, norm="bn" if bn else None, activation=activation, init=init,
               out_init=init if sigmoid else "xavier", dropout=dropout, seed=seed, dtype=dtype)

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


def _block_means(loss, block=LOSS_BLOCK):
    loss = np.asarray(loss, float)
    return np.array([loss[i:i + block].mean() for i in range(0, len(loss), block)])


@dataclass(frozen=True)
class Run:
    """One training run (read-only): its settings; ``loss``, the training loss averaged over blocks
    of :data:`LOSS_BLOCK` steps; test and training-set accuracy (fractions, eval mode) at
    ``eval_steps``; ``final_loss``, the mean loss of the last 20 steps; where it diverged (None if it
    did not); ``weight_norm``, ‖W₁‖ at the end."""

    network: str
    lr: float
    seed: int
    steps: int
    eval_every: int
    loss: np.ndarray
    eval_steps: np.ndarray
    test_accuracy: np.ndarray
    train_accuracy: np.ndarray
    final_loss: float
    diverged_at: int | None
    weight_norm: float
    dropout: float = 0.0
    weight_decay: float = 0.0
    activation: str = "sigmoid"

    @property
    def diverged(self):
        return self.diverged_at is not None

    @property
    def status(self):
        return run_status(self.diverged_at, self.steps)

    @property
    def final_test_accuracy(self):
        return float(self.test_accuracy[-1]) if not self.diverged else float("nan")

    @property
    def final_train_accuracy(self):
        return float(self.train_accuracy[-1]) if not self.diverged else float("nan")

    def accuracy_at(self, step, which="test"):
        """Test (or ``which="train"``) accuracy at an evaluated ``step`` (NaN if the run diverged first)."""
        acc = self.test_accuracy if which == "test" else self.train_accuracy
        hit = np.flatnonzero(self.eval_steps == step)
        if not hit.size:
            if self.diverged and step <= self.steps:
                return float("nan")
            raise ValueError(f"step must be one of the evaluated steps {self.eval_steps[:3].tolist()}… "
                             f"(every {self.eval_every}); got {step!r}")
        return float(acc[hit[0]])

    def steps_to(self, target):
        return steps_to_target(self.eval_steps, self.test_accuracy, target)


def train(network="plain", lr=1.0, steps=400, batch_size=60, eval_every=20, dropout=0.0,
          weight_decay=0.0, activation="sigmoid", seed=0):
    """Train one :func:`digits_mlp` (``network`` "plain" or "bn"), float64, with :func:`normlib.fit`
    on the digits; a read-only :class:`Run`. ``seed`` sets the initial weights, the batches and the
    dropout masks. Cached: experiments with the same settings share one run."""
    if network not in NETWORKS:
        raise ValueError(f"network must be 'plain' or 'bn'; got {network!r}")
    for name, value in (("lr", lr), ("weight_decay", weight_decay)):
        if not np.isscalar(value) or not value >= 0:
            raise ValueError(f"{name} must be a number ≥ 0; got {value!r}")
    return _train(network, float(lr), int(steps), int(batch_size), int(eval_every), float(dropout),
                  float(weight_decay), activation, int(seed))


@lru_cache(maxsize=64)
def _digits():
    return load_digits(dtype=np.float64)


@lru_cache(maxsize=512)
def _train(network, lr, steps, batch_size, eval_every, dropout, weight_decay, activation, seed):
    d = _digits()
    model = digits_mlp(network == "bn", dropout, activation=activation, seed=seed)
    # The training-set accuracy costs three test evaluations: measured at every evaluation only when
    # those are ≥ 50 steps apart, otherwise at the end only (NaN before).
    track = eval_every >= 50
    h = fit(model, d.X_train, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
            weight_decay=weight_decay, X_test=d.X_test, y_test=d.y_test, eval_every=eval_every,
            record={"train_accuracy": lambda m: accuracy(m, d.X_train, d.y_train)} if track else None)
    if track:
        train_acc = h.records["train_accuracy"]
    else:
        train_acc = [np.nan] * len(h.eval_steps)
        if not h.diverged:
            train_acc[-1] = accuracy(model, d.X_train, d.y_train)
    final_loss = float(np.mean(h.loss[-20:])) if not h.diverged else float("nan")
    with np.errstate(over="ignore", invalid="ignore"):
        weight_norm = float(np.linalg.norm(model[0].weight))        # inf or NaN after a divergence
    return Run(network, lr, seed, steps, eval_every, readonly(_block_means(h.loss), float), readonly(h.eval_steps, int),
               readonly(h.test_accuracy, float), readonly(train_acc, float), final_loss, h.diverged_at,
               weight_norm if math.isfinite(weight_norm) else float("nan"), dropout, weight_decay, activation)


def run_to_dict(run):
    """A :class:`Run` as plain JSON-able values (accuracies and losses rounded to what they resolve)."""
    r6 = lambda a: [None if math.isnan(v) else round(float(v), 6) for v in a]
    return dict(network=run.network, lr=run.lr, seed=run.seed, steps=run.steps, eval_every=run.eval_every,
                dropout=run.dropout, weight_decay=run.weight_decay, activation=run.activation,
                diverged_at=run.diverged_at,
                weight_norm=None if math.isnan(run.weight_norm) else round(run.weight_norm, 6),
                final_loss=None if math.isnan(run.final_loss) else float(f"{run.final_loss:.6g}"),
                loss=[float(f"{v:.4g}") for v in run.loss], test_accuracy=r6(run.test_accuracy),
                train_accuracy=r6(run.train_accuracy))


def run_from_dict(d):
    """The read-only :class:`Run` that :func:`run_to_dict` wrote (eval steps rebuilt from the settings)."""
    n_eval = len(d["test_accuracy"])
    eval_steps = [min(i * d["eval_every"], d["steps"]) for i in range(n_eval)]
    return Run(d["network"], float(d["lr"]), int(d["seed"]), int(d["steps"]), int(d["eval_every"]),
               readonly(d["loss"], float), readonly(eval_steps, int), readonly(d["test_accuracy"], float),
               readonly([np.nan if v is None else v for v in d["train_accuracy"]], float),
               float("nan") if d["final_loss"] is None else float(d["final_loss"]), d["diverged_at"],
               float("nan") if d["weight_norm"] is None else float(d["weight_norm"]), float(d["dropout"]), float(d["weight_decay"]), d["activation"])


def largest_lr_that_trains(lrs, final_accuracy, threshold=0.9):
    """The largest learning rate whose run ended at ≥ ``threshold`` test accuracy (NaN for a diverged
    run counts as failing), or None if none did."""
    lrs, acc = np.asarray(lrs, float), np.asarray(final_accuracy, float)
    if lrs.shape != acc.shape:
        raise ValueError(f"lrs and final_accuracy must have the same length; got {lrs.shape} and {acc.shape}")
    ok = np.nan_to_num(acc, nan=0.0) >= threshold
    return float(lrs[ok].max()) if ok.any() else None


@dataclass(frozen=True)
class Sweep:
    """Results of :func:`lr_sweep` (read-only): ``runs[network]`` is a tuple over ``seeds`` of tuples
    over ``lrs`` of :class:`Run`."""

    lrs: tuple
    seeds: tuple
    runs: MappingProxyType
    settings: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def run(self, network, lr, seed):
        return self.runs[network][self.seeds.index(seed)][self.lrs.index(lr)]

    def final_accuracy(self, network):
        """Final test accuracy, shape (seeds, lrs); NaN where a run diverged."""
        return readonly([[r.final_test_accuracy for r in row] for row in self.runs[network]], float)

    def largest_lr(self, network, threshold=0.9):
        """The largest rate that ends at ≥ ``threshold`` test accuracy, one per seed (None if none)."""
        return tuple(largest_lr_that_trains(self.lrs, acc, threshold) for acc in self.final_accuracy(network))

    def steps_to(self, network, target):
        """Steps to ``target`` test accuracy, shape (seeds, lrs); NaN where never reached."""
        return readonly([[np.nan if (s := r.steps_to(target)) is None else s for r in row]
                    for row in self.runs[network]], float)

    def best_lr(self, network, target):
        """The rule for "each network at its own best rate": among the rates at which *every* seed
        reaches ``target``, the one with the fewest steps averaged over the seeds (ties: the smaller
        rate). Returns (lr, steps per seed as an array) or (None, None)."""
        steps = self.steps_to(network, target)
        ok = ~np.isnan(steps).any(axis=0)
        if not ok.any():
            return None, None
        means = np.where(ok, np.nan_to_num(steps).mean(axis=0), np.inf)
        i = int(np.argmin(means))
        return self.lrs[i], steps[:, i]

    @property
    def total_steps(self):
        return sum(len(r.loss) for rows in self.runs.values() for row in rows for r in row)


@lru_cache(maxsize=4)
def lr_sweep(lrs=LRS, seeds=(0, 1, 2), steps=400, eval_every=5):
    """Train the plain and the BN network at every learning rate of ``lrs`` for every seed of ``seeds``
    (for one seed, both networks start from the same weights and see the same batches)."""
    runs = {net: tuple(tuple(train(net, lr, steps, eval_every=eval_every, seed=s) for lr in lrs) for s in seeds)
            for net in NETWORKS}
    return Sweep(tuple(float(v) for v in lrs), tuple(seeds), MappingProxyType(runs),
                 MappingProxyType(dict(steps=steps, batch_size=60, eval_every=eval_every)))


@lru_cache(maxsize=4)
def regularization_runs(lr=1.0, steps=3000, dropout=0.2, seeds=(0, 1, 2), eval_every=100):
    """Plain, dropout, BN and BN + dropout networks, each trained with every seed of ``seeds``.
    Returns a read-only mapping name → tuple of :class:`Run` (one per seed)."""
    configs = {"plain": ("plain", 0.0), "dropout": ("plain", dropout), "BN": ("bn", 0.0),
               "BN + dropout": ("bn", dropout)}
    return MappingProxyType({name: tuple(train(net, lr, steps, eval_every=eval_every, dropout=p, seed=s)
                                         for s in seeds) for name, (net, p) in configs.items()})


@lru_cache(maxsize=4)
def weight_decay_sweep(weight_decays=WEIGHT_DECAYS, lr=1.0, steps=3000, seeds=(0, 1, 2), eval_every=100):
    """The plain and the BN network trained with each L2 weight decay λ (SGD's ``weight_decay``: λ·w
    added to every parameter's gradient, so each step shrinks every weight by the factor 1 − lr·λ).
    Returns a read-only mapping network → tuple over ``weight_decays`` of tuples over ``seeds``."""
    return MappingProxyType({net: tuple(tuple(train(net, lr, steps, eval_every=eval_every, weight_decay=wd, seed=s)
                                              for s in seeds) for wd in weight_decays) for net in NETWORKS})


@dataclass(frozen=True)
class Results:
    """What :mod:`.long_runs` saved: the sweep, the regularization runs and the weight-decay sweep
    (the same structures as :func:`lr_sweep`, :func:`regularization_runs`, :func:`weight_decay_sweep`),
    and ``meta``: the command, versions, date and settings that produced them."""

    sweep: Sweep
    regularization: MappingProxyType
    weight_decay: MappingProxyType
    weight_decays: tuple
    meta: MappingProxyType


def results_path():
    return resources.files(__package__).joinpath("results", "bn_benefits.json")


@lru_cache(maxsize=1)
def saved_results():
    """The results :mod:`.long_runs` saved (read-only; loaded once)."""
    data = load_json(results_path(), "python -m normlib.lessons.l06_batch_norm_benefits.long_runs")
    runs = [run_from_dict(r) for r in data["runs"]]
    by_key = {}
    for r, raw in zip(runs, data["runs"]):
        by_key.setdefault(raw["experiment"], []).append(r)
    s, reg, wd = data["settings"]["lr_sweep"], data["settings"]["regularization"], data["settings"]["weight_decay"]
    lrs, seeds = tuple(s["lrs"]), tuple(s["seeds"])
    index = {(r.network, r.seed, r.lr): r for r in by_key["lr_sweep"]}
    sweep = Sweep(lrs, seeds, MappingProxyType({net: tuple(tuple(index[net, sd, lr] for lr in lrs) for sd in seeds)
                                                for net in NETWORKS}),
                  MappingProxyType(dict(steps=s["steps"], batch_size=60, eval_every=s["eval_every"])))
    configs = {"plain": ("plain", 0.0), "dropout": ("plain", reg["dropout"]), "BN": ("bn", 0.0),
               "BN + dropout": ("bn", reg["dropout"])}
    pool = by_key["regularization"]
    reg_runs = MappingProxyType({name: tuple(next(r for r in pool if r.network == net and r.dropout == p
                                                  and r.seed == sd) for sd in reg["seeds"])
                                 for name, (net, p) in configs.items()})
    pool = by_key["weight_decay"] + by_key["regularization"]
    wds = tuple(wd["weight_decays"])
    wd_runs = MappingProxyType({net: tuple(tuple(next(r for r in pool if r.network == net and r.dropout == 0
                                                      and r.weight_decay == lam and r.seed == sd)
                                                 for sd in wd["seeds"]) for lam in wds) for net in NETWORKS})
    meta = MappingProxyType({k: v for k, v in data.items() if k != "runs"})
    return Results(sweep, reg_runs, wd_runs, wds, meta)


def count_runs(*results):
    """(number of distinct training runs, total SGD steps) in any mix of :class:`Run`, :class:`Sweep`,
    :class:`Results`, and tuples, lists or mappings of them. A run shared by two experiments is
    counted once."""
    seen = {}

    def visit(obj):
        if isinstance(obj, Run):
            seen[id(obj)] = obj
        elif isinstance(obj, Sweep):
            visit(obj.runs)
        elif isinstance(obj, Results):
            visit(obj.sweep), visit(obj.regularization), visit(obj.weight_decay)
        elif isinstance(obj, (dict, MappingProxyType)):
            for v in obj.values():
                visit(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                visit(v)
        else:
            raise TypeError(f"results must be Runs, Sweeps, Results, or lists/dicts of them; got {type(obj).__name__}")

    for r in results:
        visit(r)
    return len(seen), sum(r.diverged_at - 1 if r.diverged else r.steps for r in seen.values())


def weight_scale_invariance(model, X, y, layer=0, factor=0.5):
    """Scale the weight of linear layer ``layer`` by ``factor`` and compare, in training mode on the
    batch (X, y): returns ``(max |Δ logits|, ‖∇W‖ after / ‖∇W‖ before)``.

    If BN follows the layer, BN(c·Wx) = BN(Wx) up to ε: the logits do not change, and the gradient
    with respect to W scales by 1/c. So the loss cannot push ‖W‖ anywhere, weight decay only shrinks
    it, and a smaller ‖W‖ means a larger *effective* step lr/‖W‖² (van Laarhoven 2017).
    ``model`` is not changed (a copy runs).
    """
    import copy

    if not np.isscalar(factor) or not factor > 0:
        raise ValueError(f"factor must be a number > 0; got {factor!r}")
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
