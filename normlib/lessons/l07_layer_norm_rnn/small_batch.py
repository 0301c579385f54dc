"""Why batch norm struggles with small batches, measured (notebook 07).

Three measurements answer the lecture notes' open question ("이유는 찾아보자"):

- :func:`batch_statistics` — how much μ_B and σ²_B scatter from batch to batch. For m examples drawn
  without replacement from N, with population mean μ and variance σ² (1/N):

      std(μ_B)  = σ/√m · √((N − m)/(N − 1))        (finite-population correction)       (1)
      E[σ²_B]   = σ² · (m − 1)/m · N/(N − 1)          (σ²_B is the biased 1/m variance)      (2)

  so the noise in the statistics BN divides by grows like 1/√m, and σ²_B is biased low by (m−1)/m.
- :func:`train_test_gap` — in training BN normalizes with (μ_B, σ²_B), at test time with the
  population statistics; the difference in the normalized value x̂ of the same example is the
  train/test gap (Wu & Johnson 2021, §3-4), and it shrinks like 1/√m.
- :func:`batch_size_sweep` — a small MLP on the digits trained with BN and with LN at several batch
  sizes (cached): BN's test accuracy drops at tiny batches, LN's does not depend on the batch.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ...data import load_digits
from ...layers import BatchNorm, LayerNorm, _positive_int
from ...nn import Linear, ReLU, Sequential, accuracy, as_rng, fit

__all__ = ["random_batches", "batch_statistics", "train_test_gap", "norm_mlp", "batch_size_sweep",
           "BatchSizeSweep", "hidden_inputs"]


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


def norm_mlp(norm, hidden=64, n_in=64, n_out=10, seed=0):
    """Linear → BN or LN → ReLU, twice, then a linear output layer (no bias before a norm)."""
    if norm not in ("batch", "layer"):
        raise ValueError(f"norm must be 'batch' or 'layer'; got {norm!r}")
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(2):
        layers += [Linear(n_in, hidden, init="he", bias=False, rng=rng),
                   BatchNorm(hidden) if norm == "batch" else LayerNorm(hidden), ReLU()]
        n_in = hidden
    layers.append(Linear(n_in, n_out, rng=rng))
    return Sequential(*layers)


@dataclass
class BatchSizeSweep:
    """Results of :func:`batch_size_sweep`: for each norm ("batch", "layer") an array over
    ``batch_sizes`` of ``test_accuracy`` (BN: eval mode, running statistics), ``train_accuracy``
    (eval mode) and, for BN, ``test_accuracy_batch_stats``: the test set normalized in training
    mode, with the statistics of test batches of the same size m."""

    batch_sizes: tuple
    test_accuracy: dict
    train_accuracy: dict
    test_accuracy_batch_stats: np.ndarray
    settings: dict


def _accuracy_with_batch_stats(model, X, y, m, seed):
    """BN in training mode on the test set, batch by batch (random batches of m); running
    statistics are saved and restored, so the model is unchanged."""
    bns = [layer for layer in model.layers if isinstance(layer, BatchNorm)]
    saved = [(b.running_mean.copy(), b.running_var.copy(), b.num_batches_tracked) for b in bns]
    order = np.random.default_rng(seed).permutation(len(X))
    n = len(X) - len(X) % m
    model.train()
    pred = np.concatenate([model.forward(X[order[i:i + m]]).argmax(axis=1) for i in range(0, n, m)])
    for b, (rm, rv, k) in zip(bns, saved):
        b.running_mean, b.running_var, b.num_batches_tracked = rm, rv, k
    return float(np.mean(pred == y[order[:n]]))


@lru_cache(maxsize=4)
def batch_size_sweep(batch_sizes=(2, 4, 8, 32), epochs=3, lr=0.05, seed=0):
    """Train the :func:`norm_mlp` with BN and with LN at each batch size for the same number of
    ``epochs`` (so the small batches take more, noisier steps), SGD with momentum 0.9 and the same
    learning rate. Cached."""
    d = load_digits(seed=seed)
    n = len(d.X_train)
    test, train = {"batch": [], "layer": []}, {"batch": [], "layer": []}
    batch_stats = []
    for m in batch_sizes:
        for norm in ("batch", "layer"):
            model = norm_mlp(norm, seed=seed)
            fit(model, d.X_train, d.y_train, steps=epochs * (n // m), batch_size=m, lr=lr,
                momentum=0.9, seed=seed)
            test[norm].append(accuracy(model, d.X_test, d.y_test))
            train[norm].append(accuracy(model, d.X_train, d.y_train))
            if norm == "batch":
                batch_stats.append(_accuracy_with_batch_stats(model, d.X_test, d.y_test, m, seed))
    return BatchSizeSweep(tuple(batch_sizes), {k: np.array(v) for k, v in test.items()},
                          {k: np.array(v) for k, v in train.items()}, np.array(batch_stats),
                          dict(epochs=epochs, lr=lr, seed=seed, momentum=0.9))
