"""Why batch norm struggles with small batches, measured (notebook 08).

Three measurements answer the lecture notes' open question ("이유는 찾아보자"):

- :func:`batch_statistics` — how much μ_B and σ²_B scatter from batch to batch. For m examples drawn
  without replacement from N, with population mean μ and variance σ² (1/N):

      std(μ_B)  = σ/√m · √((N − m)/(N − 1))        (finite-population correction)       (1)
      E[σ²_B]   = σ² · (m − 1)/m · N/(N − 1)          (σ²_B is the biased 1/m variance)      (2)

  so the noise in the statistics BN divides by grows like 1/√m, and σ²_B is biased low by (m−1)/m.
- :func:`train_test_gap` — in training BN normalizes with (μ_B, σ²_B), at test time with the
  population statistics; the difference in the normalized value x̂ of the same example is the
  train/test gap (Wu & Johnson 2021, §3-4), and it shrinks like 1/√m.
- the decomposition — the MLP of :func:`norm_mlp` trained with BN and with LN (the batch-independent
  control) at batch sizes 2 … 32 (:func:`train_run`), each run measured three ways
  (:func:`measure_run`): does training-mode BN learn (loss and accuracy on the training set in
  training mode, :func:`normlib.evaluate` with ``mode="train"``); eval accuracy with the running averages (EMA) and with
  recomputed "precise" statistics (:func:`normlib.precise_bn`); the gap between the two modes. The
  full sweep (learning rate tuned per method and batch size, 5 seeds) runs as a script,
  ``python -m normlib.lessons.l08_small_batches.long_runs``; :func:`small_batch_results` reads what
  it saved.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ...data import load_digits
from ...models import mlp
from ...module import as_rng, positive_int as _positive_int
from ...nn import Linear, accuracy, evaluate, fit
from ...probe import precise_bn
from ...results import load_json, readonly

__all__ = ["random_batches", "batch_statistics", "train_test_gap", "norm_mlp", "hidden_inputs",
           "SWEEP_BATCH_SIZES", "SWEEP_NORMS", "EPOCHS", "MOMENTUM", "LR_GRID", "digits64",
           "train_run", "measure_run", "METRICS", "SmallBatchResults",
           "small_batch_results", "RESULTS_FILE", "tuned_lr"]


def random_batches(n, m, n_batches, rng):
    """``n_batches`` index sets of ``m`` distinct examples out of ``n``, shape (n_batches, m)."""
    m = _positive_int(m, "m")
    if m > n:
        raise ValueError(f"m (the batch size) must be at most the number of examples {n}; got {m}")
    rng = as_rng(rng)
    keys = rng.random((_positive_int(n_batches, "n_batches"), n))
    return np.argpartition(keys, m - 1, axis=1)[:, :m] if m < n else np.argsort(keys, axis=1)


def hidden_inputs(units=16, seed=0):
    """What a BN or LN layer sees: the summed inputs z = W x of a linear layer of ``units`` units
    (Xavier-uniform W, seeded) applied to the standardized digits. Returns (train, test), float64."""
    d = load_digits(seed=seed)
    layer = Linear(64, units, rng=seed, bias=False, dtype=np.float64)
    return layer(d.X_train.astype(np.float64)), layer(d.X_test.astype(np.float64))


def batch_statistics(z, batch_sizes, n_batches=1000, seed=0):
    """Scatter of the batch statistics of every unit of ``z`` (N, units) over random batches.

    Returns a dict of arrays, one row per batch size, one column per unit:
    ``std_mean`` — measured std of μ_B; ``std_mean_theory`` — Eq. (1);
    ``mean_var`` — measured E[σ²_B]; ``mean_var_theory`` — Eq. (2); ``std_std`` — std of σ_B.
    """
    z = np.asarray(z, np.float64)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (N, units); got {z.shape}")
    N = len(z)
    sigma2 = z.var(axis=0)
    rng = as_rng(seed)
    out = {k: [] for k in ("std_mean", "std_mean_theory", "mean_var", "mean_var_theory", "std_std")}
    for m in batch_sizes:
        zb = z[random_batches(N, m, n_batches, rng)]                  # (batches, m, units)
        mu, var = zb.mean(axis=1), zb.var(axis=1)
        out["std_mean"].append(mu.std(axis=0))
        out["std_mean_theory"].append(np.sqrt(sigma2 / m * (N - m) / (N - 1)))
        out["mean_var"].append(var.mean(axis=0))
        out["mean_var_theory"].append(sigma2 * (m - 1) / m * N / (N - 1))
        out["std_std"].append(np.sqrt(var).std(axis=0))
    return {k: np.array(v) for k, v in out.items()}


def train_test_gap(z, batch_sizes, n_batches=1000, eps=1e-5, seed=0):
    """RMS difference, per batch size, between the x̂ an example gets in training (its batch's μ_B,
    σ²_B) and at test time (the population μ, σ² of ``z``): one number per batch size.

    Each batch is m random examples; every example of it counts. With m = 2, x̂ is ±1 whatever the
    values are (two values standardize to −1 and +1).
    """
    z = np.asarray(z, np.float64)
    N = len(z)
    pop = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)
    rng = as_rng(seed)
    gaps = []
    for m in batch_sizes:
        idx = random_batches(N, m, n_batches, rng)
        zb = z[idx]
        x_hat = (zb - zb.mean(axis=1, keepdims=True)) / np.sqrt(zb.var(axis=1, keepdims=True) + eps)
        gaps.append(np.sqrt(np.mean((x_hat - pop[idx]) ** 2)))
    return np.array(gaps)


def norm_mlp(norm, hidden=64, n_in=64, n_out=10, seed=0, dtype=np.float64):
    """Linear → BN or LN → ReLU, twice, then a linear output layer (no bias before a norm).
    He-initialized, seeded; float64 by default (so that trained numbers do not depend on the CPU's
    BLAS kernels)."""
    if norm not in SWEEP_NORMS:
        raise ValueError(f"norm must be 'batch' or 'layer'; got {norm!r}")
    return mlp((hidden, hidden), norm={"batch": "bn", "layer": "ln"}[norm], activation="relu", init="he",
               out_init="xavier", bias=False, n_in=n_in, n_out=n_out, seed=seed, dtype=dtype)

# -- the decomposition -------------------------------------------------------------------------------
SWEEP_BATCH_SIZES = (2, 4, 8, 16, 32)
SWEEP_NORMS = ("batch", "layer")
EPOCHS = 10              # equal number of epochs at every batch size (so m = 2 takes 16× the steps of m = 32)
MOMENTUM = 0.9
# the learning-rate grid, as lr = c·m/32: c is "the learning rate at batch 32" of linear scaling, so a
# pure linear-scaling rule would pick the same c at every m; the tuning picks c per norm and m
LR_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
VALIDATION_FRACTION = 0.2
RESULTS_FILE = Path(__file__).with_name("results") / "small_batch.json"


def digits64(validation=False, seed=0):
    """The digits as float64 ``(X_train, y_train, X_test, y_test)`` (the split of ``load_digits``).

    ``validation=True`` holds out the last 20% of the training set (the split is already shuffled)
    and returns it in place of the test set: what the learning-rate tuning uses, so that the test
    set never chooses a learning rate."""
    d = load_digits(seed=seed, dtype=np.float64)
    if not validation:
        return d.X_train, d.y_train, d.X_test, d.y_test
    n_fit = int(round((1 - VALIDATION_FRACTION) * len(d.X_train)))
    return d.X_train[:n_fit], d.y_train[:n_fit], d.X_train[n_fit:], d.y_train[n_fit:]


def train_run(norm, m, lr, epochs=EPOCHS, seed=0, data=None):
    """One run of the decomposition: :func:`norm_mlp` (``norm`` = "batch" or "layer") trained with
    ``nl.fit`` for ``epochs`` epochs at batch size ``m`` (⌊N/m⌋ steps per epoch), SGD with momentum
    0.9 and learning rate ``lr``. ``data`` = (X, y, X_test, y_test), default :func:`digits64`.
    Returns ``(model, history)``."""
    X, y = (digits64() if data is None else data)[:2]
    m, epochs = _positive_int(m, "m"), _positive_int(epochs, "epochs")
    if not (np.isscalar(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0; got {lr!r}")
    model = norm_mlp(norm, seed=seed)
    history = fit(model, X, y, steps=epochs * (len(X) // m), batch_size=m, lr=lr, momentum=MOMENTUM,
                  seed=seed)
    return model, history


METRICS = ("train_loss_train_mode", "train_acc_train_mode", "train_acc_eval", "test_acc_eval",
           "train_acc_precise", "test_acc_precise")


def measure_run(model, norm, m, data=None, seed=0):
    """The three measurements of one trained run, as a dict over :data:`METRICS`:

    - ``train_loss_train_mode``, ``train_acc_train_mode``: on the training set, in training mode with
      batches of ``m`` of a permutation seeded by ``seed`` (:func:`normlib.evaluate` with
      ``mode="train"``: every example counted once) — did the network learn in its own regime?
    - ``train_acc_eval``, ``test_acc_eval``: eval mode (BN: the running averages, EMA);
    - ``train_acc_precise``, ``test_acc_precise``: BN's statistics recomputed with the final weights
      over the whole training set in one pass (:func:`normlib.precise_bn` with batch size N), i.e.
      the population statistics of the trained network; LN has none (NaN).

    For LN the two modes are the same computation, so its training-mode numbers equal eval mode's.
    """
    X, y, Xt, yt = digits64() if data is None else data
    train_mode = evaluate(model, X, y, mode="train", batch_size=m, seed=seed)
    out = dict(train_loss_train_mode=train_mode.loss, train_acc_train_mode=train_mode.accuracy,
               train_acc_eval=accuracy(model, X, y), test_acc_eval=accuracy(model, Xt, yt),
               train_acc_precise=float("nan"), test_acc_precise=float("nan"))
    if norm == "batch":
        precise = precise_bn(model, X, batch_size=len(X))
        out.update(train_acc_precise=accuracy(precise, X, y), test_acc_precise=accuracy(precise, Xt, yt))
    return out


@dataclass(frozen=True)
class SmallBatchResults:
    """What ``long_runs.py`` saved for the small-batch decomposition (read-only).

    ``per_seed[norm][metric]``: array (batch sizes, seeds); ``mean``/``std``/``lo``/``hi``: the same
    over seeds (std with ddof = 1; lo/hi = min/max). ``lr[norm]``: the tuned learning rate per batch
    size; ``lr_c[norm]``: the same as c = lr·32/m; ``tuning[norm]``: validation accuracy (eval mode,
    mean over the tuning seeds), array (batch sizes, len(LR_GRID)). ``longer``: the same
    measurements after 3× the epochs for the smallest batch sizes. ``provenance``: command,
    versions, date, settings."""

    batch_sizes: tuple
    seeds: tuple
    per_seed: MappingProxyType
    mean: MappingProxyType
    std: MappingProxyType
    lo: MappingProxyType
    hi: MappingProxyType
    lr: MappingProxyType
    lr_c: MappingProxyType
    tuning: MappingProxyType
    longer: MappingProxyType
    provenance: MappingProxyType

    def row(self, norm, metric, stat="mean"):
        """One line of the table: ``stat`` of ``metric`` for ``norm`` over the batch sizes."""
        return getattr(self, stat)[norm][metric]


def _summaries(per_seed):
    freeze = lambda f: MappingProxyType({n: MappingProxyType({k: readonly(f(v), float) for k, v in d.items()})
                                         for n, d in per_seed.items()})
    with np.errstate(invalid="ignore"):
        return (freeze(lambda v: np.mean(v, axis=1)), freeze(lambda v: np.std(v, axis=1, ddof=1)),
                freeze(lambda v: np.min(v, axis=1)), freeze(lambda v: np.max(v, axis=1)))


@lru_cache(maxsize=2)
def small_batch_results(path=RESULTS_FILE):
    """Read the decomposition that ``long_runs.py`` saved (cached, read-only)."""
    raw = load_json(Path(path), "python -m normlib.lessons.l08_small_batches.long_runs")
    sizes = tuple(raw["settings"]["batch_sizes"])
    per_seed = MappingProxyType({n: MappingProxyType({k: readonly(v, float) for k, v in d.items()})
                                 for n, d in raw["per_seed"].items()})
    mean, std, lo, hi = _summaries(per_seed)
    lr = MappingProxyType({n: readonly(v, float) for n, v in raw["lr"].items()})
    lr_c = MappingProxyType({n: readonly(np.array(v) * 32 / np.array(sizes), float) for n, v in raw["lr"].items()})
    tuning = MappingProxyType({n: readonly(v, float) for n, v in raw["tuning"]["validation_accuracy"].items()})
    lg = raw["longer"]
    longer = MappingProxyType({"batch_sizes": tuple(lg["batch_sizes"]), "epochs": lg["epochs"],
                               **{n: MappingProxyType({k: readonly(v, float) for k, v in lg["per_seed"][n].items()})
                                  for n in lg["per_seed"]}})
    provenance = MappingProxyType({k: raw[k] for k in ("command", "date", "python", "numpy", "settings")})
    return SmallBatchResults(sizes, tuple(raw["settings"]["seeds"]), per_seed, mean, std, lo, hi, lr,
                             lr_c, tuning, longer, provenance)


def tuned_lr(norm, m, path=RESULTS_FILE):
    """The learning rate ``long_runs.py`` chose for ``norm`` ("batch" or "layer") at batch size ``m``
    (the best on the validation split, lr = c·m/32 with c on :data:`LR_GRID`)."""
    if norm not in SWEEP_NORMS:
        raise ValueError(f"norm must be 'batch' or 'layer'; got {norm!r}")
    saved = small_batch_results(path)
    if m not in saved.batch_sizes:
        raise ValueError(f"m must be one of the saved batch sizes {list(saved.batch_sizes)}; got {m!r}")
    return float(saved.lr[norm][saved.batch_sizes.index(m)])
