"""Instance and group norm on convolutional feature maps: the experiments behind notebook 10.

- :func:`photo_tensor`, :func:`adjust` — a real photograph as an (1, 3, H, W) tensor, and the same
  photograph with its contrast and brightness changed: x' = a·x + b.
- :func:`group_stats` — the μ and σ² each group of channels gets, per example (what GN computes).
- Wu & He (2018), Figure 1, at laptop scale: :func:`train_conv` trains the tiny conv net of
  :func:`normlib.conv.conv_net` with BN or GN at one batch size (the schedule of the whole sweep);
  :func:`measure_run` takes the small-batch measurements of a trained net (held-out error with the
  running averages and with precise statistics, training-mode accuracy on the training set…);
  :func:`batch_size_sweep` repeats both over batch sizes, norms and seeds. The full sweep runs as a
  script (``python -m normlib.lessons.l10_instance_group_norm.long_runs``); :func:`load_results`
  reads what it saved, read-only; :func:`load_more_seeds` the same runs on more seeds (seeds 3–8).
- ``PAPER_ERROR`` — the numbers of that figure (ResNet-50, ImageNet validation error, %).
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ...conv import conv_net
from ...data import load_digits, sample_photo
from ...checks import as_float_array, check_groups
from ...module import one_blas_thread, positive_int as _positive_int
from ...nn import evaluate, fit
from ...probe import precise_bn
from ...results import load_json, readonly

__all__ = ["photo_tensor", "adjust", "group_stats", "to_display", "PAPER_BATCH", "PAPER_ERROR",
           "BATCH_SIZES", "EPOCHS", "CHANNELS", "GROUPS", "DECAY_AT", "RESULTS_FILE", "METRICS",
           "digits", "schedule", "train_model", "train_conv", "measure_run", "Sweep", "batch_size_sweep",
           "run_one", "assemble", "run_sweep", "load_results", "Results", "MORE_FILE", "MoreSeeds", "load_more_seeds", "parameters_of", "set_parameters", "trained_model"]

# Wu & He (2018), Figure 1 / Table 2: ResNet-50 on ImageNet, validation error (%) vs images per GPU.
PAPER_BATCH = (32, 16, 8, 4, 2)
PAPER_ERROR = MappingProxyType({"bn": (23.6, 23.7, 24.8, 27.3, 34.7), "gn": (24.1, 24.2, 24.0, 24.2, 24.1)})


def photo_tensor(step=2, dtype=np.float32):
    """Matplotlib's photograph of Grace Hopper as a (1, 3, H, W) tensor in [0, 1], every
    ``step``-th pixel (the image is 600 × 512; step 2 gives 300 × 256)."""
    img = sample_photo(dtype=dtype)[::step, ::step]
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None])


def adjust(x, contrast=1.0, brightness=0.0, clip=False):
    """The photograph with contrast ``a`` and brightness ``b``: x' = a·x + b, per pixel and channel.

    ``clip=True`` then saturates to [0, 1], as a camera or an 8-bit file would. Without clipping,
    instance norm removes a and b exactly (up to ε):
    IN(a·x + b) = (a·x + b − (a·μ + b)) / √(a²σ² + ε) = (x − μ)/√(σ² + ε/a²) ≈ IN(x) for a > 0.
    """
    x = as_float_array(x)
    if not np.isscalar(contrast) or not contrast > 0:
        raise ValueError(f"contrast must be a number > 0; got {contrast!r}")
    if not np.isscalar(brightness) or not np.isfinite(brightness):
        raise ValueError(f"brightness must be a finite number; got {brightness!r}")
    y = x * x.dtype.type(contrast) + x.dtype.type(brightness)
    return np.clip(y, 0, 1) if clip else y


SHOW = 0.18          # standardized values are shown as 0.5 + SHOW·x̂: x̂ = ±2.8 → black or white


def to_display(x_hat):
    """A fixed map from standardized values to display intensities in [0, 1] (the same for every
    input, so that a picture changes only if the values do)."""
    return np.clip(0.5 + SHOW * x_hat, 0, 1)


def group_stats(x, num_groups):
    """The mean and biased variance of every (example, group of C/G channels) set of x (N, C, H, W).

    Returns ``(mean, var)``, each of shape (N, G): the μ_i, σ²_i group norm standardizes with.
    G = 1 gives layer norm's statistics, G = C instance norm's.
    """
    x = as_float_array(x)
    if x.ndim < 3:
        raise ValueError(f"x must have shape (N, C, *spatial); got shape {x.shape}")
    check_groups(num_groups, x.shape[1])
    g = x.reshape(x.shape[0], num_groups, -1)
    return g.mean(axis=2), g.var(axis=2)


# ----------------------------------------------------------------------------------------------
# Wu & He's Figure 1 at laptop scale
# ----------------------------------------------------------------------------------------------
BATCH_SIZES = (2, 4, 8, 16, 32)
EPOCHS = 60            # passes over the training digits, the same at every batch size
CHANNELS, GROUPS = 8, 4
DECAY_AT = 2 / 3       # the learning rate is divided by 10 after this fraction of the steps
RESULTS_FILE = Path(__file__).parent / "results" / "gn_figure1.json"
MORE_FILE = Path(__file__).parent / "results" / "more_seeds.json"

# What measure_run returns for one trained network (all in %, the loss in nats).
METRICS = ("val_error", "val_error_precise", "train_error_eval", "train_error_train_mode", "train_loss")


def digits():
    """The digits as (N, 1, 8, 8) float64 images: 1,348 training images and 449 held out
    (``load_digits(seed=0)``; the held-out split plays the part of ImageNet's validation set: it
    is used for nothing but the final measurement)."""
    return load_digits(images=True, seed=0, dtype=np.float64)


def _check_norm(norm):
    if norm not in ("bn", "gn"):
        raise ValueError(f"norm must be 'bn' or 'gn'; got {norm!r}")
    return norm


def _check_positive(value, name):
    if isinstance(value, bool) or not np.isscalar(value) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a number > 0; got {value!r}")
    return float(value)


def schedule(batch_size, epochs=EPOCHS, base_lr=0.1, n_train=1348):
    """The sweep's schedule at one batch size: ``(steps, decay_step, lr)``.

    Every batch size sees the same number of examples (``epochs`` passes over ``n_train``), so
    batch B takes ⌊epochs·n_train/B⌋ steps; the learning rate follows the linear scaling rule of
    Goyal et al. (2017), lr = base_lr·B/32, and is divided by 10 after ``decay_step`` steps.
    """
    B = _positive_int(batch_size, "batch_size")
    epochs = _positive_int(epochs, "epochs")
    base_lr = _check_positive(base_lr, "base_lr")
    steps = epochs * _positive_int(n_train, "n_train") // B
    return steps, int(DECAY_AT * steps), base_lr * B / 32


def train_model(model, batch_size, X, y, *, epochs=EPOCHS, base_lr=0.1, seed=0):
    """Train ``model`` in place on (X, y) with the schedule of :func:`schedule` (SGD, momentum 0.9,
    mini-batch order from ``seed``): one :func:`normlib.fit` whose learning rate is a step decay.
    Returns the training loss of every step (training mode), or None if training diverged."""
    steps, decay, lr = schedule(batch_size, epochs, base_lr, len(X))
    history = fit(model, np.asarray(X, np.float64), y, steps=steps, batch_size=batch_size,
                  lr=lambda step: lr if step <= decay else lr / 10, momentum=0.9, seed=seed)
    return None if history.diverged else np.array(history.loss)


def train_conv(norm, batch_size, X, y, *, epochs=EPOCHS, base_lr=0.1, channels=CHANNELS, groups=GROUPS,
               seed=0):
    """``conv_net(norm, channels, groups, seed, dtype=float64)`` trained by :func:`train_model`.
    Returns ``(model, losses)`` (``losses`` is None if training diverged)."""
    _check_norm(norm)
    model = conv_net(norm, channels=channels, groups=groups, seed=seed, dtype=np.float64)
    return model, train_model(model, batch_size, X, y, epochs=epochs, base_lr=base_lr, seed=seed)


def measure_run(model, losses, batch_size, data, seed=0):
    """The measurements of one trained network (a dict with the keys of ``METRICS``):

    - ``val_error`` — held-out error in eval mode (BN: the running averages, EMA momentum 0.1);
    - ``val_error_precise`` — the same after :func:`normlib.precise_bn` recomputed BN's statistics
      with the final weights (batches of 128 training images, one pass); GN: = ``val_error``;
    - ``train_error_eval`` — training-set error in eval mode;
    - ``train_error_train_mode`` — training-set error in training mode, batches of ``batch_size``
      (:func:`normlib.evaluate` with ``mode="train"``, seed ``seed + 3000``; for GN the same as in
      eval mode, up to rounding);
    - ``train_loss`` — the mean training loss (training mode) over the last epoch of training.
    """
    with one_blas_thread():
        val = evaluate(model, data.X_test, data.y_test).error
        has_bn = any(type(layer).__name__ == "BatchNorm" for layer in model.layers)
        precise = (evaluate(precise_bn(model, data.X_train, batch_size=128, seed=seed + 2000),
                            data.X_test, data.y_test).error if has_bn else val)
        out = dict(val_error=val, val_error_precise=precise,
                   train_error_eval=evaluate(model, data.X_train, data.y_train).error,
                   train_error_train_mode=evaluate(model, data.X_train, data.y_train, mode="train",
                                                   batch_size=batch_size, seed=seed + 3000).error)
    per_epoch = len(data.X_train) // batch_size
    out["train_loss"] = float(np.mean(losses[-per_epoch:])) if losses is not None else float("nan")
    return out


@dataclass(frozen=True)
class Sweep:
    """Results of a batch-size sweep, read-only. ``metrics[norm][name]`` is an array of shape
    (len(seeds), len(batch_sizes)) for each name of ``METRICS`` (NaN where training diverged);
    ``steps[i]`` is the number of SGD steps at ``batch_sizes[i]``; ``base_lr[norm]`` the base
    learning rate of each norm (lr = base_lr·B/32)."""

    batch_sizes: tuple
    norms: tuple
    seeds: tuple
    steps: tuple
    base_lr: MappingProxyType
    metrics: MappingProxyType
    settings: MappingProxyType

    def mean(self, norm, metric="val_error"):
        """Mean over seeds, per batch size (read-only array)."""
        return readonly(self.metrics[norm][metric].mean(axis=0), float)

    def spread(self, norm, metric="val_error"):
        """(min, max) over seeds, per batch size."""
        m = self.metrics[norm][metric]
        return readonly(m.min(axis=0), float), readonly(m.max(axis=0), float)


def _sweep(batch_sizes, norms, seeds, steps, base_lr, metrics, settings):
    return Sweep(tuple(batch_sizes), tuple(norms), tuple(seeds), tuple(steps),
                 MappingProxyType(dict(base_lr)),
                 MappingProxyType({n: MappingProxyType({k: readonly(v, float) for k, v in metrics[n].items()})
                                   for n in norms}),
                 MappingProxyType(dict(settings)))


def _seed_tuple(seeds):
    seeds = tuple(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of integers ≥ 0; got {seeds!r}")
    return tuple(int(s) for s in seeds)


def run_one(norm, batch_size, seed, epochs=EPOCHS, base_lr=0.1, channels=CHANNELS, groups=GROUPS):
    """One cell of the sweep on :func:`digits`: :func:`train_conv` then :func:`measure_run`.
    Returns ``(metrics, model)``; every metric is NaN if training diverged."""
    d = digits()
    model, losses = train_conv(norm, batch_size, d.X_train, d.y_train, epochs=epochs, base_lr=base_lr,
                               channels=channels, groups=groups, seed=seed)
    if losses is None:
        return {k: float("nan") for k in METRICS}, model
    return measure_run(model, losses, batch_size, d, seed), model


def assemble(batch_sizes, norms, seeds, epochs, base_lr, channels, groups, cells):
    """A :class:`Sweep` from ``cells[(norm, batch_size, seed)]`` = the metrics of that run."""
    metrics = {n: {k: np.array([[cells[n, B, s][k] for B in batch_sizes] for s in seeds])
                   for k in METRICS} for n in norms}
    n_train, n_val = 1348, 449
    steps = [schedule(B, epochs, 0.1, n_train)[0] for B in batch_sizes]
    settings = dict(epochs=epochs, channels=channels, groups=groups, decay_at=DECAY_AT, momentum=0.9,
                    n_train=n_train, n_val=n_val)
    return _sweep(batch_sizes, norms, seeds, steps, base_lr, metrics, settings)


def run_sweep(batch_sizes=BATCH_SIZES, norms=("bn", "gn"), seeds=(0, 1, 2), epochs=EPOCHS,
              base_lr=None, channels=CHANNELS, groups=GROUPS, keep=None):
    """:func:`run_one` for every norm × batch size × seed. ``base_lr``: a number, or a dict
    norm → number (default 0.1 for each). ``keep``: a (norm, batch_size, seed) whose trained model
    is returned as well. Returns ``(Sweep, model or None)``."""
    norms = tuple(_check_norm(n) for n in norms)
    batch_sizes = tuple(_positive_int(b, "batch_size") for b in batch_sizes)
    seeds = _seed_tuple(seeds)
    epochs = _positive_int(epochs, "epochs")
    base_lr = 0.1 if base_lr is None else base_lr
    lrs = {n: _check_positive(base_lr[n] if isinstance(base_lr, dict) else base_lr, "base_lr") for n in norms}
    cells, kept = {}, None
    for norm in norms:
        for B in batch_sizes:
            for seed in seeds:
                cells[norm, B, seed], model = run_one(norm, B, seed, epochs, lrs[norm], channels, groups)
                if keep == (norm, B, seed):
                    kept = model
    return assemble(batch_sizes, norms, seeds, epochs, lrs, channels, groups, cells), kept


@lru_cache(maxsize=4)
def batch_size_sweep(batch_sizes=(8, 32), norms=("bn", "gn"), seeds=(0, 1, 2), epochs=3, base_lr=None,
                     channels=CHANNELS, groups=GROUPS):
    """:func:`run_sweep` in the notebook, cached per settings (for the exercises: short runs).
    ``base_lr`` defaults to each norm's tuned base rate from the saved results."""
    if base_lr is None:
        base_lr = dict(load_results().sweep.base_lr)
    elif isinstance(base_lr, dict):
        raise TypeError("base_lr must be a number or None here (None: each norm's tuned rate)")
    return run_sweep(batch_sizes, norms, seeds, epochs, base_lr, channels, groups)[0]


# ----------------------------------------------------------------------------------------------
# The saved results of long_runs.py
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Results:
    """What ``long_runs.py`` saved: the sweep, the learning-rate search that chose each norm's base
    rate (``tuning[norm][lr]``: the inner-validation errors at batch 32, one per seed), the weights
    of one trained GN network (for the explorer) and the provenance (command, versions, date)."""

    sweep: Sweep
    tuning: MappingProxyType
    tuning_settings: MappingProxyType
    gn_model: MappingProxyType
    provenance: MappingProxyType


@lru_cache(maxsize=2)
def load_results(path=RESULTS_FILE):
    """Read the results ``long_runs.py`` saved (read-only; cached)."""
    raw = load_json(Path(path), "python -m normlib.lessons.l10_instance_group_norm.long_runs")
    s = raw["sweep"]
    metrics = {n: {k: np.array(v, dtype=float) for k, v in s["metrics"][n].items()} for n in s["norms"]}
    sweep = _sweep(s["batch_sizes"], s["norms"], s["seeds"], s["steps"], s["base_lr"], metrics, s["settings"])
    tuning = MappingProxyType({n: MappingProxyType({float(lr): tuple(v) for lr, v in t.items()})
                               for n, t in raw["tuning"]["errors"].items()})
    gn = raw["gn_model"]
    gn_model = MappingProxyType({**{k: v for k, v in gn.items() if k != "parameters"},
                                 "parameters": tuple(readonly(p, float) for p in gn["parameters"])})
    return Results(sweep, tuning, MappingProxyType(raw["tuning"]["settings"]), gn_model,
                   MappingProxyType(raw["provenance"]))


@dataclass(frozen=True)
class MoreSeeds:
    """What ``long_runs.py --part more`` saved: the sweep's runs on seeds it did not use, read-only.
    ``runs`` holds one mapping per run (norm, batch_size, seed, base_lr and the ``METRICS``)."""

    runs: tuple
    settings: MappingProxyType
    provenance: MappingProxyType

    def values(self, norm, batch_size, metric="val_error", base_lr=None, seeds=None):
        """``(seeds, values)`` of ``metric`` for every saved run of ``norm`` at ``batch_size``
        (and ``base_lr`` and ``seeds``, if given), in seed order."""
        rows = sorted((r["seed"], r[metric]) for r in self.runs
                      if r["norm"] == norm and r["batch_size"] == batch_size
                      and (base_lr is None or r["base_lr"] == base_lr)
                      and (seeds is None or r["seed"] in seeds))
        if not rows:
            raise ValueError(f"no saved run of {norm!r} at batch_size={batch_size}, base_lr={base_lr}")
        return tuple(s for s, _ in rows), readonly([v for _, v in rows], float)


@lru_cache(maxsize=2)
def load_more_seeds(path=MORE_FILE):
    """Read what ``long_runs.py --part more`` saved (read-only; cached)."""
    raw = load_json(Path(path), "python -m normlib.lessons.l10_instance_group_norm.long_runs --part more")
    return MoreSeeds(tuple(MappingProxyType(r) for r in raw["runs"]), MappingProxyType(raw["settings"]),
                     MappingProxyType(raw["provenance"]))


def parameters_of(model):
    """Every learnable array of ``model`` as nested lists, in ``model.parameters()`` order."""
    return [np.asarray(p, np.float64).tolist() for _, p, _ in model.parameters()]


def set_parameters(model, values):
    """Copy ``values`` (in ``model.parameters()`` order) into ``model``'s arrays; returns it."""
    params = list(model.parameters())
    if len(values) != len(params):
        raise ValueError(f"values must hold {len(params)} arrays (one per parameter); got {len(values)}")
    for (name, p, _), v in zip(params, values):
        v = np.asarray(v)
        if v.shape != p.shape:
            raise ValueError(f"values for {name} must have shape {p.shape}; got {v.shape}")
        p[...] = v
    return model


def trained_model():
    """The GN network the sweep trained at ``gn_model['batch_size']`` with seed ``gn_model['seed']``,
    rebuilt from its saved weights (what the group-norm explorer shows)."""
    r = load_results()
    g = r.gn_model
    model = conv_net("gn", channels=r.sweep.settings["channels"], groups=r.sweep.settings["groups"],
                     seed=g["seed"], dtype=np.float64)
    return set_parameters(model, g["parameters"]).eval()
