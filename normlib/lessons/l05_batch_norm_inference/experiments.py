"""Batch norm at inference: the experiments and tools behind notebook 05.

In training, BN normalizes with the statistics of the mini-batch; at inference it must not (a
prediction would depend on the other examples in the batch, and a batch of one has no variance).
Ioffe & Szegedy (2015, Algorithm 2) use population statistics instead, estimated from the training
mini-batches B of size m:

    E[x]   = E_B[μ_B]                                                        (1)
    Var[x] = m/(m − 1) · E_B[σ²_B]      σ²_B the biased (1/m) batch variance  (2)

The factor m/(m − 1) *removes* the bias of the 1/m variance: E[σ²_B] = (m − 1)/m · Var[x]. Inference is
then one affine map per unit, which can be folded into the linear layer before it:

    y = γ (x − E[x]) / √(Var[x] + ε) + β = s·x + (β − s·E[x]),    s = γ / √(Var[x] + ε)   (3)

In practice (PyTorch, and :class:`normlib.BatchNorm`) E[x] and Var[x] are running averages updated at
every training step, ``r ← (1 − momentum)·r + momentum·x`` with momentum = 0.1 the weight of the
*new* batch; ``momentum=None`` is the cumulative average, i.e. (1) and (2) over all batches seen.
Wu & Johnson (2021, "Rethinking 'Batch' in BatchNorm", §3) show that this exponential moving average
(EMA) can be stale when the weights move fast, and recompute the population statistics after training
with the final weights ("precise BN"): :func:`precise_bn`.

Contents: :func:`running_average` and :func:`ema_weights` (the two ways of writing the momentum),
:func:`batch_statistics` and :func:`population_statistics` (Algorithm 2), :func:`outputs_in_batches`
(why not batch statistics at test time; a whole set in training mode is :func:`normlib.evaluate`),
:func:`precise_bn`,
:func:`fold_batch_norm` and :func:`fold_network` (BN folded into the previous linear layer), and two
cached experiments: :func:`track_bn_statistics` (the explorer's data; :func:`tracking_error` scores a
running average on it) and :func:`ema_vs_precise`.
"""

import copy
import numbers
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from ...checks import as_float_array
from ...data import load_digits
from ...models import sigmoid_mlp
from ...probe import bn_layers as _bn_layers, layer_inputs, precise_bn
from ...layers import BatchNorm
from ...module import Sequential, as_rng, one_blas_thread, positive_int as _positive_int
from ...nn import Linear, accuracy, fit, minibatches

__all__ = ["new_batch_weight", "running_average", "ema_weights", "batch_statistics",
           "population_statistics", "outputs_in_batches", "precise_bn",
           "fold_batch_norm", "fold_network", "bn_layer_inputs", "track_bn_statistics", "algorithm2_gap",
           "BNStatistics", "tracking_error", "ema_vs_precise", "EMAvsPrecise"]

WEIGHT_OF = ("new", "old")


# ----------------------------------------------------------------------------------------------
# Moving averages: one average, two ways of writing its number
# ----------------------------------------------------------------------------------------------
def new_batch_weight(number, weight_of="new"):
    """The weight w of the new batch in r ← (1 − w)·r + w·x, from the number a formula is given.

    ``weight_of="new"`` (PyTorch, Keras' complement, :class:`normlib.BatchNorm`): the number *is* w
    (momentum = 0.1). ``weight_of="old"`` (CS231n's ``running_mean = momentum * running_mean +
    (1 - momentum) * sample_mean`` with momentum = 0.9; TensorFlow's ``decay``): w = 1 − number.
    """
    if weight_of not in WEIGHT_OF:
        raise ValueError(f"weight_of must be 'new' (the number is the weight of the new batch, "
                         f"PyTorch) or 'old' (the weight of the old value, CS231n); got {weight_of!r}")
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(f"momentum must be a number; got {number!r}")
    if weight_of == "new" and not 0 < number <= 1:
        raise ValueError(f"momentum must be in (0, 1] when it is the weight of the new batch; got {number!r}")
    if weight_of == "old" and not 0 <= number < 1:
        raise ValueError(f"momentum must be in [0, 1) when it is the weight of the old value; got {number!r}")
    return float(number) if weight_of == "new" else 1.0 - float(number)


def running_average(values, momentum=0.1, init=0.0, weight_of="new"):
    """The running estimate after each of T batch statistics ``values`` (shape (T, ...)).

    With w = :func:`new_batch_weight` (momentum, weight_of) and r_0 = ``init``::

        r_t = (1 − w)·r_{t−1} + w·x_t  =  (1 − w)^t·r_0 + Σ_{k=1..t} w·(1 − w)^{t−k}·x_k

    so the batch k steps back has weight w(1 − w)^k: an average over roughly the last 1/w batches.
    ``momentum=None`` is PyTorch's cumulative average, r_t = (x_1 + … + x_t)/t (``init`` is then
    unused: the first update has weight 1). Returns an array of the shape of ``values`` (float64
    input stays float64, float32 stays float32); entry t − 1 is r_t.
    """
    x = as_float_array(values, "values")
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"values must have shape (T, ...) with T ≥ 1 batch statistics; got shape {x.shape}")
    if momentum is None:
        if weight_of not in WEIGHT_OF:
            new_batch_weight(0.1, weight_of)                       # raises the message
        t = np.arange(1, x.shape[0] + 1).reshape((-1,) + (1,) * (x.ndim - 1))
        return (np.cumsum(x, axis=0, dtype=np.float64) / t).astype(x.dtype)
    w = new_batch_weight(momentum, weight_of)
    out = np.empty(x.shape, np.float64)
    r = np.broadcast_to(np.asarray(init, np.float64), x.shape[1:]).copy()
    for t in range(x.shape[0]):            # a recursion over steps; every step is vectorized
        r = (1.0 - w) * r + w * x[t]
        out[t] = r
    return out.astype(x.dtype)


def ema_weights(steps, momentum=0.1, weight_of="new"):
    """The weight that the running estimate after ``steps`` updates gives to each batch, newest first.

    Returns ``(weights, init_weight)``: ``weights[k]`` = w(1 − w)^k for the batch k steps back
    (k = 0 … steps − 1) and the weight (1 − w)^steps still on the initial value; they sum to 1.
    ``momentum=None`` (cumulative average) gives 1/steps to every batch and 0 to the initial value.
    """
    steps = _positive_int(steps, "steps")
    if momentum is None:
        return np.full(steps, 1.0 / steps), 0.0
    w = new_batch_weight(momentum, weight_of)
    k = np.arange(steps)
    return w * (1.0 - w) ** k, (1.0 - w) ** steps


# ----------------------------------------------------------------------------------------------
# Algorithm 2: population statistics from the training mini-batches
# ----------------------------------------------------------------------------------------------
def batch_statistics(z, batch_size, n_batches=None, seed=0):
    """μ_B and the biased σ²_B (1/m) of the mini-batches of ``z`` (shape (N, C): one column per unit).

    The batches are consecutive slices of seeded random permutations of the N rows, as in training
    (:func:`normlib.minibatches`); ``n_batches`` defaults to one epoch, ⌊N/m⌋. Returns
    ``(means, variances)``, each of shape (n_batches, C).
    """
    z = as_float_array(z, "z")
    if z.ndim != 2:
        raise ValueError(f"z must have shape (N, C), one column per unit; got shape {z.shape}")
    batch_size = _positive_int(batch_size, "batch_size")
    if not 2 <= batch_size <= len(z):
        raise ValueError(f"batch_size must be between 2 and N = {len(z)}; got {batch_size}")
    n_batches = len(z) // batch_size if n_batches is None else _positive_int(n_batches, "n_batches")
    batches = minibatches(len(z), batch_size, seed)
    idx = np.stack([next(batches) for _ in range(n_batches)])          # (n_batches, m)
    zb = z[idx]                                                         # (n_batches, m, C)
    return zb.mean(axis=1), zb.var(axis=1)


def population_statistics(batch_means, batch_vars, m):
    """Algorithm 2 of Ioffe & Szegedy (2015): E[x] = E_B[μ_B] and Var[x] = m/(m − 1)·E_B[σ²_B].

    ``batch_vars`` are biased (1/m) batch variances σ²_B, as BN normalizes with; averaging them
    underestimates the variance by the factor (m − 1)/m, which m/(m − 1) undoes (Bessel's correction).
    Both inputs have shape (B, ...) for B batches. Returns ``(mean, var)``.
    """
    mu = as_float_array(batch_means, "batch_means")
    var = as_float_array(batch_vars, "batch_vars")
    if mu.shape != var.shape or mu.ndim < 1:
        raise ValueError(f"batch_means and batch_vars must have the same shape (B, ...); got "
                         f"{mu.shape} and {var.shape}")
    m = _positive_int(m, "m")
    if m < 2:
        raise ValueError(f"m (the batch size) must be at least 2 for m/(m − 1); got {m}")
    return mu.mean(axis=0), var.mean(axis=0) * (m / (m - 1))


# ----------------------------------------------------------------------------------------------
# Why not batch statistics at test time
# ----------------------------------------------------------------------------------------------
def outputs_in_batches(model, X, index, batch_size=60, n_batches=20, seed=0):
    """The training-mode output for the one example ``X[index]``, placed in ``n_batches`` batches,
    each with ``batch_size − 1`` other examples of ``X`` drawn at random (seeded).

    In training mode BN normalizes with the batch's own μ_B and σ²_B, so the same example gets a
    different output in every batch. ``model`` is not changed (a copy runs: no running statistics
    are updated). Returns an array (n_batches, outputs).
    """
    X = as_float_array(X, "X")
    if not 0 <= index < len(X):
        raise ValueError(f"index must be in [0, {len(X) - 1}]; got {index!r}")
    batch_size = _positive_int(batch_size, "batch_size")
    if not 2 <= batch_size <= len(X):
        raise ValueError(f"batch_size must be between 2 and len(X) = {len(X)}; got {batch_size}")
    n_batches = _positive_int(n_batches, "n_batches")
    work = copy.deepcopy(model).train()
    rng = as_rng(seed)
    others = np.delete(np.arange(len(X)), index)
    outputs = [work.forward(X[np.concatenate([[index], rng.choice(others, batch_size - 1, replace=False)])])[0]
               for _ in range(n_batches)]
    return np.stack(outputs)


# ----------------------------------------------------------------------------------------------
# Precise BN: population statistics recomputed with the final weights
# ----------------------------------------------------------------------------------------------
# ----------------------------------------------------------------------------------------------
# Folding BN into the previous linear layer
# ----------------------------------------------------------------------------------------------
def fold_batch_norm(linear, bn):
    """One :class:`Linear` computing ``bn`` (in eval mode) after ``linear``: equation (3) per unit,

        W' = s ⊙ W (row j scaled by s_j),   b' = s ⊙ (b − running_mean) + β,
        s = γ / √(running_var + ε)

    (b = 0 if the linear layer has no bias; γ = 1, β = 0 without affine parameters). Computed in
    float64 and stored in the linear layer's dtype. The inputs are not changed.
    """
    if not isinstance(linear, Linear):
        raise TypeError(f"linear must be a normlib Linear layer; got {type(linear).__name__}")
    if not isinstance(bn, BatchNorm):
        raise TypeError(f"bn must be a normlib BatchNorm layer; got {type(bn).__name__}")
    if bn.num_features != linear.out_features:
        raise ValueError(f"bn must have one feature per output of linear: BatchNorm({bn.num_features}) "
                         f"after Linear({linear.in_features}, {linear.out_features})")
    gamma = np.ones(bn.num_features) if bn.gamma is None else bn.gamma.astype(np.float64)
    beta = np.zeros(bn.num_features) if bn.beta is None else bn.beta.astype(np.float64)
    bias = np.zeros(linear.out_features) if linear.bias is None else linear.bias.astype(np.float64)
    s = gamma / np.sqrt(bn.running_var.astype(np.float64) + bn.eps)
    folded = Linear(linear.in_features, linear.out_features, bias=True, rng=0, dtype=linear.dtype)
    folded.weight = (s[:, None] * linear.weight.astype(np.float64)).astype(linear.dtype)
    folded.bias = (s * (bias - bn.running_mean.astype(np.float64)) + beta).astype(linear.dtype)
    return folded


def fold_network(model):
    """A new :class:`Sequential` in which every Linear directly followed by a BatchNorm is replaced
    by :func:`fold_batch_norm` of the pair; every other layer is copied. The result computes what
    ``model`` computes in eval mode, with fewer layers; it has no batch statistics left to use."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a normlib Sequential; got {type(model).__name__}")
    layers, i = [], 0
    while i < len(model):
        layer = model[i]
        if isinstance(layer, Linear) and i + 1 < len(model) and isinstance(model[i + 1], BatchNorm):
            layers.append(fold_batch_norm(layer, model[i + 1]))
            i += 2
        else:
            layers.append(copy.deepcopy(layer))
            i += 1
    return Sequential(*layers).eval()


# ----------------------------------------------------------------------------------------------
# Experiments (cached: a notebook and its explorer share one run)
# ----------------------------------------------------------------------------------------------
def bn_layer_inputs(model, X):
    """The input of every BatchNorm layer of ``model`` when all of ``X`` is one training batch (BN
    with the statistics of X itself). Nothing in ``model`` changes. Returns a list of (N, C) arrays."""
    return layer_inputs(model, X, BatchNorm)


@dataclass(frozen=True)
class BNStatistics:
    """Results of :func:`track_bn_statistics`. ``batch_mean`` μ_B and ``batch_var`` m/(m − 1)·σ²_B
    (what enters the running averages) of the training batch of every step 1 … steps, shape
    (steps, layers, units); ``pop_mean`` and ``pop_var`` (1/N) of the whole training set with the
    weights of the steps ``pop_steps``, shape (len(pop_steps), layers, units). ``settings`` holds the
    run's settings."""

    batch_mean: np.ndarray
    batch_var: np.ndarray
    pop_steps: np.ndarray
    pop_mean: np.ndarray
    pop_var: np.ndarray
    settings: MappingProxyType
    trained: Sequential = None

    @property
    def model(self):
        """A copy of the network at the end of the run (eval mode), or None."""
        return None if self.trained is None else copy.deepcopy(self.trained).eval()

    def series(self, stat, layer, unit):
        """(batch values, population values) of one unit over training; ``stat`` 'mean' or 'var'."""
        if stat not in ("mean", "var"):
            raise ValueError(f"stat must be 'mean' or 'var'; got {stat!r}")
        b, p = (self.batch_mean, self.pop_mean) if stat == "mean" else (self.batch_var, self.pop_var)
        return b[:, layer, unit], p[:, layer, unit]


@lru_cache(maxsize=8)
def track_bn_statistics(steps=500, lr=0.5, batch_size=60, units=8, pop_every=10, seed=0,
                        dtype=np.float64):
    """Train the BN paper's Figure 1 network with BN (:func:`normlib.models.sigmoid_mlp`) on the digits
    and record the batch statistics each BN layer receives at every step, and every ``pop_every``
    steps the population statistics of the whole training set under the weights of that step (first
    ``units`` units of every layer). Step t's batch is normalized with the weights after t − 1 updates.

    The population statistics move because the weights do: that is what a running average must follow.

    The population statistic of layer ℓ is the statistic of its input over all N training images
    when the earlier BN layers also normalize with the whole training set's statistics — what the
    layer sees in eval mode if the earlier layers' running estimates are exact. (Algorithm 2 with
    batches of m instead averages over batches, in which the earlier layers normalize with batch
    statistics; for layers 2 and 3 that differs slightly: :func:`algorithm2_gap`.)

    Trained by :func:`normlib.fit`, in ``dtype`` (float64 by default: the recorded numbers do not
    depend on the CPU). Its ``on_step`` hook sees the weights after t updates — the weights step
    t + 1 normalizes with — and records that step's batch (fit draws its batches from
    ``nl.minibatches(N, batch_size, seed)``; a second copy of that sequence gives the same ones). The
    result is frozen and its arrays read-only (it is cached and shared).
    """
    d = load_digits(seed=seed)
    X, y = d.X_train.astype(dtype), d.y_train
    model = sigmoid_mlp("bn", seed=seed, dtype=dtype)
    batches = minibatches(len(X), batch_size, seed)           # the batches fit will draw, in order
    layers = len(_bn_layers(model))
    pop_steps = np.arange(1, steps + 1, pop_every)
    batch = {k: np.empty((steps, layers, units)) for k in ("mean", "var")}
    pop = {k: np.empty((len(pop_steps), layers, units)) for k in ("mean", "var")}
    m = batch_size

    def record(t, model):                # t updates done: what step t + 1 sees (t = 0 … steps − 1)
        if t % pop_every == 0:           # step t + 1 = pop_steps[t // pop_every]
            z = np.stack([z[:, :units] for z in bn_layer_inputs(model, X)])       # (layers, N, units)
            pop["mean"][t // pop_every], pop["var"][t // pop_every] = z.mean(axis=1), z.var(axis=1)
        z = np.stack([z[:, :units] for z in bn_layer_inputs(model, X[next(batches)])])   # (layers, m, units)
        batch["mean"][t], batch["var"][t] = z.mean(axis=1), z.var(axis=1) * m / (m - 1)

    with one_blas_thread():
        record(0, model)
    history = fit(model, X, y, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                  on_step=lambda t, model, loss: record(t, model) if t < steps else None)
    if history.diverged:
        raise RuntimeError(f"track_bn_statistics: the training run {history.status}; lower lr (got {lr})")
    arrays = dict(batch_mean=batch["mean"], batch_var=batch["var"], pop_steps=pop_steps,
                  pop_mean=pop["mean"], pop_var=pop["var"])
    for a in arrays.values():
        a.setflags(write=False)
    return BNStatistics(**arrays, trained=model.eval(), settings=MappingProxyType(dict(
        steps=steps, lr=lr, batch_size=batch_size, units=units, pop_every=pop_every, seed=seed,
        dtype=np.dtype(dtype).name)))


def algorithm2_gap(model, X, batch_size=60, n_batches=440, seed=0):
    """How far Algorithm 2's population statistics (equal-weight averages over ``n_batches``
    training batches of ``batch_size``, in which every earlier BN layer normalizes with *batch*
    statistics) lie from the full-training-set statistics of :func:`bn_layer_inputs` (every
    earlier BN layer normalizing with the whole set's statistics), for every BN layer of ``model``.

    Returns ``(mean_gap, var_gap)``: per layer, the mean over units of |Alg. 2 − full| divided by
    the full-set standard deviation (mean) or variance (var). For layer 1 the two agree up to
    sampling noise; for deeper layers they need not — a difference the running estimates inherit.
    """
    X = as_float_array(X, "X")
    full = bn_layer_inputs(model, X)
    alg2 = _bn_layers(precise_bn(model, X, batch_size, n_batches=_positive_int(n_batches, "n_batches"),
                                 seed=seed))
    mean_gap, var_gap = [], []
    for z, layer in zip(full, alg2):
        mu, var = z.mean(axis=0), z.var(axis=0)
        mean_gap.append(float(np.mean(np.abs(layer.running_mean - mu) / np.sqrt(var))))
        var_gap.append(float(np.mean(np.abs(layer.running_var - var) / var)))
    return tuple(mean_gap), tuple(var_gap)


def tracking_error(stats, stat, layer, momentum=0.1, weight_of="new", after=None, relative=False):
    """How far the running estimate of :func:`running_average` (PyTorch's initial values: 0 for the
    mean, 1 for the variance) stays from the population statistic in the run ``stats``
    (:class:`BNStatistics`): the mean of |estimate − population| over the recorded steps after
    ``after`` (default: the second half of training) and over the recorded units of ``layer``
    (0-based).

    ``relative=True`` divides each error by the unit's population scale at that step — the
    population standard deviation for the mean, the population variance for the variance — so that
    layers whose variances differ tenfold can be compared: a relative error of 0.01 is 1%."""
    if stat not in ("mean", "var"):
        raise ValueError(f"stat must be 'mean' or 'var'; got {stat!r}")
    batch = stats.batch_mean if stat == "mean" else stats.batch_var
    pop = stats.pop_mean if stat == "mean" else stats.pop_var
    if not 0 <= layer < batch.shape[1]:
        raise ValueError(f"layer must be in [0, {batch.shape[1] - 1}] (0-based); got {layer!r}")
    after = batch.shape[0] // 2 if after is None else after
    est = running_average(batch[:, layer], momentum, 0.0 if stat == "mean" else 1.0, weight_of)
    late = stats.pop_steps > after
    err = np.abs(est[stats.pop_steps - 1] - pop[:, layer])
    if relative:
        err = err / (np.sqrt(stats.pop_var[:, layer]) if stat == "mean" else stats.pop_var[:, layer])
    return float(err[late].mean())


@dataclass(frozen=True)
class EMAvsPrecise:
    """Results of :func:`ema_vs_precise`: ``steps`` (evaluation steps); ``ema[momentum]`` test
    accuracy with the running (EMA or cumulative) statistics of that momentum; ``precise`` test
    accuracy with the statistics recomputed at that step (:func:`precise_bn`); ``same_weights``:
    whether every run ended with identical weights (running statistics never enter training);
    ``model``: a fresh copy, at every access, of the trained network of the first momentum (in eval
    mode). Frozen, with read-only arrays and mappings: it is cached and shared."""

    steps: np.ndarray
    ema: MappingProxyType
    precise: np.ndarray
    same_weights: bool
    trained: Sequential
    settings: MappingProxyType

    @property
    def model(self):
        """A copy of the trained network (eval mode): changing it cannot change the cached run."""
        return copy.deepcopy(self.trained).eval()


@lru_cache(maxsize=8)
def ema_vs_precise(steps=300, lr=0.5, batch_size=60, eval_every=10, momenta=(0.1, 0.01, None), seed=0,
                   dtype=np.float64):
    """Train the Figure 1 BN network once per running-average ``momenta`` (same seed, so the same
    weights: training never reads the running statistics) and measure test accuracy every
    ``eval_every`` steps with those running statistics, and with precise BN statistics recomputed
    from one epoch of training batches with the weights of that step (Wu & Johnson 2021, §3).

    Each run is ``nl.fit(sigmoid_mlp("bn", seed=seed, dtype=dtype), X_train, y_train, steps=steps,
    batch_size=batch_size, lr=lr, seed=seed)`` — the call notebook 05 shows in the open."""
    d = load_digits(seed=seed)
    X, Xt = d.X_train.astype(dtype), d.X_test.astype(dtype)
    ema, precise, weights, first = {}, None, [], None
    for momentum in momenta:
        model = sigmoid_mlp("bn", seed=seed, dtype=dtype)
        for layer in _bn_layers(model):
            layer.momentum = momentum
        record = {} if precise is not None else {
            "precise": lambda mdl: accuracy(precise_bn(mdl, X, batch_size, seed=seed + 1), Xt, d.y_test)}
        h = fit(model, X, d.y_train, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                X_test=Xt, y_test=d.y_test, eval_every=eval_every, record=record)
        ema[momentum] = np.array(h.test_accuracy)
        if precise is None:
            precise = np.array(h.records["precise"])
        weights.append(np.concatenate([v.ravel() for _, v, _ in model.parameters()]))
        first = first or model.eval()
    same = all(np.array_equal(weights[0], w) for w in weights[1:])
    eval_steps = np.array(h.eval_steps)
    for a in (eval_steps, precise, *ema.values()):
        a.setflags(write=False)
    return EMAvsPrecise(steps=eval_steps, ema=MappingProxyType(ema), precise=precise, same_weights=same,
                        trained=first, settings=MappingProxyType(dict(
                            steps=steps, lr=lr, batch_size=batch_size, eval_every=eval_every,
                            momenta=momenta, seed=seed, dtype=np.dtype(dtype).name)))
