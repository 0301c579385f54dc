"""Which normalization when: the measurements behind notebook 11.

- :func:`properties_table` — for BN, LN, IN, GN and RMSNorm, *measured* by running each layer on a
  tensor: the sets it standardizes (found from which slices of its output have mean 0 and
  variance 1), whether eval() changes the output, whether an example's output depends on the rest
  of the batch, and its invariances (the notebook prints it with ``nl.table``).
- Synchronized BN, simulated: :func:`worker_stats`, :func:`all_reduce`, :func:`stats_from_sums`
  (each worker sends Σx, Σx² and its count; the sums give the full-batch μ and σ²), the layer
  :class:`ShardedBatchNorm` (local or synchronized statistics) and :func:`sync_bn_experiment`.
- What the notebook needs from notebook 10, so that it imports only this lesson: :func:`digits`,
  :func:`bn_base_lr` and :func:`plain_bn_errors` (notebook 10's saved plain-BN runs).
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ... import functional as F
from ...checks import as_float_array
from ...conv import conv_net
from ...data import load_digits
from ...layers import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm
from ...module import Module, one_blas_thread, positive_int as _positive_int
from ...nn import evaluate
from ...results import load_json, readonly

__all__ = ["Flatten", "make_norm", "NORM_NAMES", "USES", "find_sets", "properties",
           "properties_table", "worker_stats", "all_reduce", "stats_from_sums",
           "ShardedBatchNorm", "sharded_net", "run_sync_bn", "sync_bn_experiment", "SyncBNResult",
           "load_sync_results", "MODES", "SYNC_RESULTS_FILE", "sync_run", "sync_run_one", "make_result",
           "digits", "bn_base_lr", "plain_bn_errors"]

NORM_NAMES = ("BN", "LN", "IN", "GN", "RMSNorm")

# Typical use, with the paper that introduced or established it (text, not a measurement).
USES = {
    "BN": "CNNs with batches of ≥ 16–32 per device (Ioffe & Szegedy 2015; ResNet, He et al. 2016)",
    "LN": "RNNs and Transformers; any batch size, even 1 (Ba et al. 2016; Vaswani et al. 2017)",
    "IN": "style transfer and image generation: removes each image's contrast (Ulyanov et al. 2016; Huang & Belongie 2017)",
    "GN": "CNNs with small batches: detection, segmentation, video (Wu & He 2018)",
    "RMSNorm": "large Transformer language models: LN without centring, cheaper (Zhang & Sennrich 2019; LLaMA, Touvron et al. 2023)",
}


class Flatten(Module):
    """Apply a last-axis layer (LayerNorm, RMSNorm) to (N, C, H, W) as one vector of C·H·W per
    example — layer norm over "all the hidden units of a layer" (Ba et al. 2016), which is what
    PyTorch's ``LayerNorm([C, H, W])`` computes."""

    def __init__(self, layer):
        self.layer = layer

    def forward(self, x):
        self._shape = x.shape
        return self.layer.forward(x.reshape(x.shape[0], -1)).reshape(x.shape)

    def backward(self, dy):
        return self.layer.backward(dy.reshape(dy.shape[0], -1)).reshape(dy.shape)

    def train(self, mode=True):
        self.training = bool(mode)
        self.layer.train(mode)
        return self


def make_norm(name, shape, groups=2):
    """The layer ``name`` (one of ``NORM_NAMES``) for inputs of ``shape`` (N, C, H, W)."""
    _, C, H, W = shape
    layers = {"BN": lambda: BatchNorm(C, dtype=np.float64),
              "LN": lambda: Flatten(LayerNorm(C * H * W, dtype=np.float64)),
              "IN": lambda: InstanceNorm(C, dtype=np.float64),
              "GN": lambda: GroupNorm(groups, C, dtype=np.float64),
              "RMSNorm": lambda: Flatten(RMSNorm(C * H * W, dtype=np.float64))}
    if name not in layers:
        raise ValueError(f"name must be one of {list(layers)}; got {name!r}")
    return layers[name]()


def _candidate_sets(shape):
    """Partitions of an (N, C, H, W) tensor into sets, as label arrays (coarse to fine)."""
    N, C, H, W = shape
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    out = {"one set per channel, over (N, H, W)": 0 * n + c,
           "one set per example, over (C, H, W)": n + 0 * c}
    for g in range(2, C):
        if C % g == 0:
            out[f"one set per example and group of {C // g} channels, over (C/G, H, W), G = {g}"] = n * g + c // (C // g)
    out["one set per example and channel, over (H, W)"] = n * C + c
    return {k: np.broadcast_to(v, shape).ravel() for k, v in out.items()}


def find_sets(y, tol=1e-6):
    """Which sets of ``y`` (N, C, H, W) were standardized? Returns a description of the finest
    candidate partition whose every set has mean 0 and variance 1 (centred norms) or mean square 1
    (RMSNorm), found from the numbers alone; ``"none"`` if no candidate fits."""
    found = "none"
    flat = y.ravel()
    for description, ids in _candidate_sets(y.shape).items():
        count = np.bincount(ids)
        mean = np.bincount(ids, flat) / count
        sq = np.bincount(ids, flat * flat) / count
        if np.all(np.abs(mean) < tol) and np.all(np.abs(sq - 1) < 1e-3):
            found = description + ": mean 0, variance 1"
        elif np.all(np.abs(sq - 1) < 1e-3):
            found = description + ": mean square 1, no centring"
    return found


def _run(name, x, warmup=None, train=True):
    layer = make_norm(name, x.shape)
    for batch in warmup if warmup is not None else ():
        layer.forward(batch)                           # running statistics (BN only keeps them)
    layer.train(train)
    return layer, layer.forward(x)


def _same(a, b, rtol=1e-4):
    return bool(np.max(np.abs(a - b)) <= rtol * np.max(np.abs(b)))


def properties(name, shape=(8, 4, 3, 3), seed=0):
    """Measure the properties of normalization ``name`` on random (N, C, H, W) inputs whose
    channels and examples have different means and scales. Returns a dict of plain values."""
    rng = np.random.default_rng(seed)
    N, C = shape[:2]

    def batch():
        return (rng.standard_normal(shape) * rng.uniform(0.5, 3, (N, C, 1, 1))
                + rng.uniform(-3, 3, (N, C, 1, 1)))

    x, other = batch(), batch()
    warmup = [batch() for _ in range(20)]
    layer, y = _run(name, x, warmup)                    # training mode, after 20 earlier batches
    layer.eval()
    y_eval = layer.forward(x)
    _, y_mix = _run(name, np.concatenate([x[:1], other[1:]]))      # example 0 among other examples
    _, y_scaled = _run(name, np.concatenate([3 * x[:1], x[1:]]))   # example 0 scaled by 3
    _, y_shifted = _run(name, np.concatenate([x[:1] + 2, x[1:]]))  # example 0 shifted by 2
    shift_c = x.copy()
    shift_c[:, 0] += 2                                              # channel 0 shifted, all examples
    _, y_shift_c = _run(name, shift_c)
    return {"sets": find_sets(y),
            "eval() changes the output": not _same(y_eval, y),
            "output depends on the other examples": not _same(y_mix[0], y[0]),
            "invariant to scaling one example (x3)": _same(y_scaled[0], y[0]),
            "invariant to shifting one example (+2)": _same(y_shifted[0], y[0]),
            "invariant to shifting one channel (+2)": _same(y_shift_c, y),
            "typical use": USES[name]}


def properties_table(names=NORM_NAMES, shape=(8, 4, 3, 3), seed=0):
    """:func:`properties` for each name: a dict name → properties."""
    return {name: properties(name, shape, seed) for name in names}


# ----------------------------------------------------------------------------------------------
# Synchronized batch norm, simulated
# ----------------------------------------------------------------------------------------------
def _shards(x, workers):
    workers = _positive_int(workers, "workers")
    if x.shape[0] % workers:
        raise ValueError(f"the batch of {x.shape[0]} examples must split evenly over workers = {workers}")
    return x.reshape((workers, x.shape[0] // workers) + x.shape[1:])


def worker_stats(x, workers):
    """What each of ``workers`` devices sends, for its slice of the batch x (N, C, *spatial):
    per channel Σx and Σx², and its count m_k of values per channel. Returns (sums, sumsqs, counts)
    of shapes (K, C), (K, C), (K,). Sums are accumulated in float64."""
    xs = _shards(np.asarray(x, np.float64), workers)
    axes = (1,) + tuple(range(3, xs.ndim))
    m = xs.size // (xs.shape[0] * xs.shape[2])
    return xs.sum(axis=axes), np.square(xs).sum(axis=axes), np.full(xs.shape[0], m)


def all_reduce(*per_worker):
    """The all-reduce (a sum over workers) of each array: every worker receives the totals."""
    return tuple(np.sum(a, axis=0) for a in per_worker)


def stats_from_sums(total, total_sq, count):
    """μ = Σx / n and the biased σ² = Σx²/n − μ² from the all-reduced sums (n = Σ m_k).

    One pass, so it loses digits when |μ| ≫ σ (see :func:`normlib.standardize`); float64 sums
    keep that harmless here. PyTorch's SyncBatchNorm instead gathers each worker's (μ_k, 1/σ_k,
    m_k) and merges them with the parallel-variance (Welford/Chan) formula, which is exact.
    """
    mean = total / count
    return mean, total_sq / count - mean * mean


class ShardedBatchNorm(BatchNorm):
    """BatchNorm for a batch split over ``workers`` simulated devices of equal local batches.

    ``sync=False``: each worker normalizes with its own local μ, σ² (plain BN under data-parallel
    training: "local" or "ghost" batches), and the running statistics are worker 0's, as after
    PyTorch DDP broadcasts rank 0's buffers. ``sync=True``: one μ, σ² over the whole global batch,
    as SyncBatchNorm computes it by all-reducing the workers' sums — the same numbers as BN on the
    full batch (the notebook checks it with :func:`stats_from_sums`); the backward pass then needs
    the all-reduced Σdy and Σdy·x̂ as well. Eval mode is the same for both.
    """

    def __init__(self, num_features, workers, sync, **kwargs):
        super().__init__(num_features, **kwargs)
        self.workers = _positive_int(workers, "workers")
        self.sync = bool(sync)

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        x = as_float_array(self._check_input(x))
        xs = _shards(x, self.workers)                                # (K, b, C, *spatial)
        axes = (0, 1) + tuple(range(3, xs.ndim)) if self.sync else (1,) + tuple(range(3, xs.ndim))
        gamma, beta = (None if p is None else p.astype(x.dtype, copy=False) for p in (self.gamma, self.beta))
        y, cache = F.norm_forward(xs, axes, gamma, beta, 2, self.eps)
        self._cache = cache
        # Running statistics: the global ones (sync), or worker 0's (local), updated as BatchNorm does.
        mean, var = cache["mean"][0].reshape(-1), cache["var"][0].reshape(-1)
        m = xs[0].size // xs.shape[2] * (self.workers if self.sync else 1)
        F.update_running_stats(self.running_mean, self.running_var, mean, var, m, self.batch_momentum())
        self.num_batches_tracked += 1
        return y.reshape(x.shape)

    def backward(self, dy):
        cache = self._require_cache()
        if not cache.get("training", True):                       # eval mode: BatchNorm's affine map
            return super().backward(dy)
        dx, dgamma, dbeta = F.norm_backward(as_float_array(dy, "dy").reshape(cache["x_hat"].shape), cache)
        self._keep_param_grads(dgamma, dbeta)
        return dx.reshape(dy.shape)

    def extra_repr(self):
        return super().extra_repr() + f", workers={self.workers}, sync={self.sync}"


def sharded_net(sync, workers, channels=8, seed=0):
    """The conv net of notebook 10 (``conv_net("bn", channels, seed=seed, dtype=float64)``) with
    both BatchNorm layers replaced by :class:`ShardedBatchNorm` over ``workers`` simulated devices,
    synchronized (``sync=True``) or local."""
    model = conv_net("bn", channels=channels, seed=seed, dtype=np.float64)
    for i in (1, 4):
        model.layers[i] = ShardedBatchNorm(channels, workers, sync=sync, dtype=np.float64)
    return model


SYNC_RESULTS_FILE = Path(__file__).parent / "results" / "sync_bn.json"
MODES = ("local", "sync")


@dataclass(frozen=True)
class SyncBNResult:
    """Held-out error (%) of the conv net trained with local and with synchronized BN, read-only:
    ``error[mode]`` has one value per seed of ``seeds`` (NaN where training diverged), with BN's
    running averages; ``precise[mode]`` the same after precise BN (None if not measured)."""

    error: MappingProxyType
    seeds: tuple
    settings: MappingProxyType
    precise: MappingProxyType = None

    def mean(self, mode, precise=False):
        return float(np.mean((self.precise if precise else self.error)[mode]))

    def spread(self, mode, precise=False):
        v = (self.precise if precise else self.error)[mode]
        return float(np.min(v)), float(np.max(v))


def _check_seeds(seeds):
    seeds = tuple(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers ≥ 0; got {seeds!r}")
    return tuple(int(s) for s in seeds)


def sync_run(mode, workers, per_worker, epochs, base_lr, seed, channels=8):
    """Train one :func:`sharded_net` (``mode`` "local" or "sync") with notebook 10's schedule on
    the global batch workers × per_worker. Returns ``(error, error_precise)``: its held-out error (%)
    in eval mode with the running averages, and after precise BN — the statistics recomputed with
    the final weights over the training digits in batches of 128, as notebook 10's
    ``measure_run`` does (NaN, NaN if training diverged)."""
    from ..l10_instance_group_norm import experiments as l10
    from ...probe import precise_bn
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
    d = l10.digits()
    model = sharded_net(mode == "sync", workers, channels, seed)
    losses = l10.train_model(model, workers * per_worker, d.X_train, d.y_train, epochs=epochs,
                             base_lr=base_lr, seed=seed)
    if losses is None:
        return float("nan"), float("nan")
    with one_blas_thread():
        plain = l10.set_parameters(conv_net("bn", channels=channels, seed=seed, dtype=np.float64),
                                   l10.parameters_of(model))
        for i in (1, 4):                                   # the same network as plain BN layers
            plain.layers[i].running_mean = model.layers[i].running_mean.copy()
            plain.layers[i].running_var = model.layers[i].running_var.copy()
        error = evaluate(plain, d.X_test, d.y_test).error
        precise = evaluate(precise_bn(plain, d.X_train, batch_size=128, seed=seed + 2000),
                           d.X_test, d.y_test).error
    return error, precise


def sync_run_one(mode, workers, per_worker, epochs, base_lr, seed, channels=8):
    """The held-out error (%) of :func:`sync_run` (running averages) alone."""
    return sync_run(mode, workers, per_worker, epochs, base_lr, seed, channels)[0]


def make_result(errors, seeds, workers, per_worker, epochs, base_lr, channels=8, precise=None):
    """A read-only :class:`SyncBNResult` from ``errors[mode]`` (one per seed) and, if given,
    ``precise[mode]``."""
    steps = epochs * 1348 // (workers * per_worker)
    frozen = lambda e: MappingProxyType({m: readonly(e[m], float) for m in MODES})
    return SyncBNResult(frozen(errors), tuple(seeds),
                        MappingProxyType(dict(workers=workers, per_worker=per_worker,
                                              global_batch=workers * per_worker, steps=steps,
                                              epochs=epochs, base_lr=base_lr, channels=channels)),
                        None if precise is None else frozen(precise))


def run_sync_bn(workers=8, per_worker=2, epochs=60, base_lr=None, seeds=(0, 1, 2), channels=8):
    """Train :func:`sharded_net` local and synchronized on a global batch of workers × per_worker
    digits with notebook 10's schedule
    (:func:`~normlib.lessons.l10_instance_group_norm.experiments.train_model`: equal epochs,
    lr = base_lr·B/32 with B the *global* batch, ÷10 after 2/3 of the steps); measure
    the held-out error in eval mode. ``base_lr`` defaults to BN's tuned rate in notebook 10's saved
    results. Returns a :class:`SyncBNResult`."""
    from ..l10_instance_group_norm import experiments as l10
    workers, per_worker = _positive_int(workers, "workers"), _positive_int(per_worker, "per_worker")
    epochs = _positive_int(epochs, "epochs")
    seeds = _check_seeds(seeds)
    if base_lr is None:
        base_lr = l10.load_results().sweep.base_lr["bn"]
    errors = {mode: [sync_run_one(mode, workers, per_worker, epochs, base_lr, s, channels) for s in seeds]
              for mode in MODES}
    return make_result(errors, seeds, workers, per_worker, epochs, base_lr, channels)


@lru_cache(maxsize=4)
def sync_bn_experiment(workers=8, per_worker=2, epochs=3, seeds=(0, 1, 2), base_lr=None):
    """:func:`run_sync_bn`, cached per settings (for the exercises: short runs)."""
    return run_sync_bn(workers, per_worker, epochs, base_lr, seeds)


@lru_cache(maxsize=2)
def load_sync_results(path=SYNC_RESULTS_FILE):
    """What ``long_runs.py`` saved: ``(SyncBNResult, extra)`` — ``extra`` holds the check that the
    synchronized run is the batch-16 run (``max_weight_difference``) and the provenance."""
    raw = load_json(Path(path), "python -m normlib.lessons.l11_choosing_a_normalization.long_runs")
    frozen = lambda e: MappingProxyType({m: readonly(v, float) for m, v in e.items()})
    result = SyncBNResult(frozen(raw["error"]), tuple(raw["seeds"]), MappingProxyType(raw["settings"]),
                          frozen(raw["precise"]) if "precise" in raw else None)
    return result, MappingProxyType({k: v for k, v in raw.items()
                                     if k not in ("error", "precise", "seeds", "settings")})


# ----------------------------------------------------------------------------------------------
# What the notebook takes from notebook 10 (its data, its tuned rate, its saved plain-BN runs)
# ----------------------------------------------------------------------------------------------
def digits():
    """The digits as notebook 10 trains on them: (N, 1, 8, 8) float64 images, 1,348 for training
    and 449 held out (``load_digits(images=True, seed=0)``)."""
    return load_digits(images=True, seed=0, dtype=np.float64)


def bn_base_lr():
    """BN's base learning rate (at batch 32), tuned in notebook 10's saved sweep."""
    from ..l10_instance_group_norm import experiments as l10
    return l10.load_results().sweep.base_lr["bn"]


def plain_bn_errors(batch_size, seeds):
    """Notebook 10's plain BN at ``batch_size``: the held-out error (%) of each of ``seeds``, from
    its saved sweep (seeds 0–2) and its more-seeds runs (3–8), in the order of ``seeds``."""
    from ..l10_instance_group_norm import experiments as l10
    sweep, more = l10.load_results().sweep, l10.load_more_seeds()
    j = sweep.batch_sizes.index(batch_size)
    saved = dict(zip(sweep.seeds, sweep.metrics["bn"]["val_error"][:, j]))
    rest = tuple(s for s in seeds if s not in saved)
    if rest and any(r["norm"] == "bn" and r["batch_size"] == batch_size and r["seed"] in rest for r in more.runs):
        saved.update(zip(*more.values("bn", batch_size, seeds=rest)))
    missing = [s for s in seeds if s not in saved]
    if missing:
        raise ValueError(f"notebook 10 saved no plain-BN run at batch_size = {batch_size} for seeds {missing}")
    return np.array([saved[s] for s in seeds], dtype=float)
