"""Batch norm in training mode, measured: the experiments behind notebook 03.

- :func:`feature_net` — a small seeded network whose outputs (the "hidden units" h1 … h4) feed a BN
  layer; its first unit on the digits is the population the batches are drawn from.
- :func:`batch_noise` — many mini-batches of every size m = 1 … 256 drawn from that population
  (without replacement, as SGD draws them): how much μ_B and σ_B vary from batch to batch, and what
  one example's BN output does when its batch companions change (cached: the notebook and its
  explorer share one draw).
- :func:`staged_batch_norm_backward` — BN's backward node by node through the computation graph,
  with dγ and dβ, the way ``benchmarks/bench_norms.py`` times it.
- :func:`count_passes` — how many times a function streams a full-size array through memory:
  a deterministic stand-in for a timing, which a notebook under strict nbval cannot print.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ... import functional as F
from ...data import load_digits
from ...models import mlp

__all__ = ["feature_net", "unit_population", "BatchNoise", "batch_noise", "POPULATIONS",
           "staged_batch_norm_backward", "PassCount", "count_passes"]


# ----------------------------------------------------------------------------------------------
# The population: one hidden unit on every training digit
# ----------------------------------------------------------------------------------------------
def feature_net(seed=3):
    """Linear(64, 32, He) → ReLU → Linear(32, 4, He), seeded: 4 hidden units whose values a BN
    layer would normalize. Untrained: only the shape of their distributions matters here."""
    return mlp((32,), activation="relu", init="he", out_init="he", n_out=4, seed=seed)


def unit_population(unit=0, seed=3):
    """The values of hidden unit ``unit`` of :func:`feature_net` on all 1,348 training digits
    (float64): a skewed distribution with a non-zero mean, the population batches are drawn from."""
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < 4:
        raise ValueError(f"unit must be an integer in [0, 3] (feature_net has 4 units); got {unit!r}")
    X = load_digits().X_train.astype(np.float64)
    return feature_net(seed).forward(X)[:, unit]


# ----------------------------------------------------------------------------------------------
# Batch-to-batch noise of μ_B and σ_B
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchNoise:
    """Mini-batches drawn from a population of values (see :func:`batch_noise`).

    ``batches[k, :m]`` is batch k of size m: the first m entries of a fresh random permutation of
    the population, so a batch never holds an example twice (as in SGD's shuffled mini-batches).
    ``companions[k, :m−1]`` are the other members of batch k for the followed ``example``.
    ``spread_mean[m−1]`` and ``spread_std[m−1]`` are the standard deviations, across the batches,
    of μ_B and σ_B = √σ²_B (biased 1/m variance) for batch size m.

    Instances come from a cache and are shared: they are frozen and their arrays read-only.
    """

    values: np.ndarray
    batches: np.ndarray
    companions: np.ndarray
    example: int
    spread_mean: np.ndarray
    spread_std: np.ndarray
    eps: float = 1e-5

    @property
    def max_m(self):
        return self.batches.shape[1]

    @property
    def n_batches(self):
        return self.batches.shape[0]

    @property
    def mu(self):
        """Population mean μ."""
        return float(self.values.mean())

    @property
    def sigma(self):
        """Population standard deviation σ (1/N: the training set *is* the population here)."""
        return float(self.values.std())

    def _check_m(self, m, low=1):
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not low <= m <= self.max_m:
            raise ValueError(f"m (the batch size) must be an integer in [{low}, {self.max_m}]; got {m!r}")

    def stats(self, m):
        """μ_B and σ²_B (biased, 1/m) of every batch of size m, computed by :func:`normlib.standardize`
        over each batch: two arrays of shape (n_batches,)."""
        self._check_m(m)
        _, mean, var, _ = F.standardize(self.values[self.batches[:, :m]], axes=(1,), eps=self.eps)
        return mean[:, 0], var[:, 0]

    def example_outputs(self, m, gamma=1.0, beta=0.0):
        """y = γ·x̂ + β of the followed example, once per batch of size m it is put in.

        Computed by the core :func:`normlib.standardize`: for m = 1 the batch is the example alone,
        x − μ_B = 0, so x̂ = 0 and y = β in every batch, whatever the input.
        """
        self._check_m(m)
        own = np.full((self.n_batches, 1), self.values[self.example])
        batch = np.concatenate([own, self.values[self.companions[:, :m - 1]]], axis=1)
        x_hat = F.standardize(batch, axes=(1,), eps=self.eps)[0]
        return gamma * x_hat[:, 0] + beta

    @property
    def example_z(self):
        """The followed example standardized with the population's statistics, (x − μ)/σ."""
        return (float(self.values[self.example]) - self.mu) / self.sigma

    def shape(self):
        """(skewness, excess kurtosis) of the population: E[z³] and E[z⁴] − 3 for z = (x − μ)/σ
        (0 and 0 for a Gaussian; a large excess kurtosis means rare, very large values)."""
        z = (self.values - self.mu) / self.sigma
        return float(np.mean(z ** 3)), float(np.mean(z ** 4) - 3.0)

    def predicted_spread_mean(self, m, finite_population=False):
        """The standard deviation of μ_B across batches: σ/√m for independent draws; with
        ``finite_population``, times √((N − m)/(N − 1)) for batches drawn without replacement
        from N values."""
        m = np.asarray(m, dtype=np.float64)
        s = self.sigma / np.sqrt(m)
        if finite_population:
            n = self.values.size
            s = s * np.sqrt((n - m) / (n - 1))
        return s


POPULATIONS = ("h1", "gaussian")


@lru_cache(maxsize=8)
def batch_noise(n_batches=1000, max_m=256, example_quantile=0.9, seed=0, unit=0, population="h1"):
    """Draw ``n_batches`` mini-batches of every size m = 1 … ``max_m`` from :func:`unit_population`
    and measure the batch-to-batch spread of μ_B and σ_B (cached per settings).

    The followed example is the one at ``example_quantile`` of the population (an example above
    the mean, so that its standardized value is visibly non-zero).

    ``population="gaussian"`` replaces the unit's values by as many draws from a normal
    distribution with the same mean and standard deviation (seeded by ``seed``; standardized
    exactly to them): a light-tailed contrast to the heavy-tailed h1. The result is frozen and its
    arrays are read-only (it is cached and shared).
    """
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {POPULATIONS}; got {population!r}")
    values = unit_population(unit)
    if population == "gaussian":
        g = np.random.default_rng([seed, 1]).standard_normal(values.size)
        values = values.mean() + values.std() * (g - g.mean()) / g.std()
    N = values.size
    if not 1 <= max_m < N:
        raise ValueError(f"max_m must be in [1, {N - 1}]; got {max_m!r}")
    rng = np.random.default_rng(seed)
    batches = rng.permuted(np.tile(np.arange(N), (n_batches, 1)), axis=1)[:, :max_m]
    example = int(np.argsort(values)[int(example_quantile * (N - 1))])
    others = np.delete(np.arange(N), example)
    companions = rng.permuted(np.tile(others, (n_batches, 1)), axis=1)[:, :max_m - 1]
    # μ_B and σ²_B for every prefix length m at once: running sums along each batch.
    v = values[batches]
    m = np.arange(1, max_m + 1)
    mean = np.cumsum(v, axis=1) / m
    var = np.maximum(np.cumsum(v * v, axis=1) / m - mean ** 2, 0.0)
    arrays = dict(values=values, batches=batches, companions=companions,
                  spread_mean=mean.std(axis=0), spread_std=np.sqrt(var).std(axis=0))
    for a in arrays.values():
        a.setflags(write=False)
    return BatchNoise(example=example, **arrays)


# ----------------------------------------------------------------------------------------------
# The staged backward, and counting passes over memory
# ----------------------------------------------------------------------------------------------
def staged_batch_norm_backward(dy, x, x_hat, gamma, eps=1e-5):
    """BN's backward for x of shape (N, C) or (N, C, *spatial), node by node (the computation graph
    of Ioffe & Szegedy 2015, §3), with the parameter gradients:

        dx̂ = dy · γ;   dx = :func:`normlib.standardize_backward_staged` (dx̂, x);
        dγ = Σ dy · x̂;   dβ = Σ dy      (sums over every axis but the channels)

    Returns ``(dx, dgamma, dbeta)``, as :func:`normlib.functional.norm_backward` does in closed form.
    """
    axes = (0,) + tuple(range(2, x.ndim))             # every axis but the channels
    pshape = [1] * x.ndim
    pshape[1] = x.shape[1]
    dx = F.standardize_backward_staged(dy * gamma.reshape(pshape), x, axes, eps)
    return dx, np.sum(dy * x_hat, axis=axes), np.sum(dy, axis=axes)


@dataclass
class PassCount:
    """What :func:`count_passes` saw. ``ops``: operations that read or wrote a full-size array
    (one pass over it each); ``reads`` and ``writes``: full-size arrays read and written;
    ``megabytes``: the bytes those reads and writes move (an array promoted to float64 moves twice
    the bytes of a float32 one); ``result``: what the function returned."""

    ops: int = 0
    reads: int = 0
    writes: int = 0
    megabytes: float = 0.0
    result: object = None


_ACTIVE = []      # the PassCount being filled, and the full size, while count_passes runs


class _Counted(np.ndarray):
    """An ndarray view that reports every ufunc call (elementwise or reduction), every ``np.einsum``
    and every copy. NumPy functions built on ufuncs (``np.mean``, ``np.var``…) are counted through
    the ufuncs they call; the few that move data otherwise (``np.dot``, ``np.concatenate``) are not
    counted, and none of the backward passes here uses them."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [np.asarray(a) if isinstance(a, _Counted) else a for a in inputs]
        if out is not None:
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, _Counted) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        _record([a for a in plain if isinstance(a, np.ndarray)],
                [r for r in (result if isinstance(result, tuple) else (result,)) if isinstance(r, np.ndarray)])
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if func is not np.einsum:         # the ufuncs it calls are counted by __array_ufunc__
            return super().__array_function__(func, types, args, kwargs)
        plain = [np.asarray(a) if isinstance(a, _Counted) else a for a in args]
        kwargs = {k: np.asarray(v) if isinstance(v, _Counted) else v for k, v in kwargs.items()}
        result = func(*plain, **kwargs)   # einsum is no ufunc: its one pass over its operands counted here
        inputs = [a for a in plain if isinstance(a, np.ndarray)]
        view = "out" not in kwargs and any(np.shares_memory(result, a) for a in inputs)   # e.g. "ij->ji"
        if not view:                                                                      # moves nothing
            _record(inputs, [result] if isinstance(result, np.ndarray) else [])
        return _wrap(result)

    def copy(self, order="C"):
        result = np.asarray(self).copy(order)
        _record([np.asarray(self)], [result])
        return _wrap(result)


def _record(inputs, outputs):
    if not _ACTIVE:
        return
    count, full = _ACTIVE[-1]
    reads = [a for a in inputs if a.size == full]
    writes = [a for a in outputs if a.size == full]
    if reads or writes:
        count.ops += 1
        count.reads += len(reads)
        count.writes += len(writes)
        count.megabytes += sum(a.nbytes for a in reads + writes) / 1e6


def _wrap(value):
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    return value.view(_Counted) if isinstance(value, np.ndarray) and value.ndim else value


def _unwrap(value):
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return np.asarray(value) if isinstance(value, _Counted) else value


@contextmanager
def _counting(count, full):
    _ACTIVE.append((count, full))
    try:
        yield count
    finally:
        _ACTIVE.pop()


def count_passes(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` and count its passes over full-size arrays.

    "Full size" is the size of the largest array among the arguments (arrays inside a dict
    argument, such as a forward cache, count too): for a normalization layer, N·C·(H·W) values.
    Every NumPy operation that reads or writes such an array streams all of it through memory once;
    for arrays far larger than the CPU cache, that traffic, not arithmetic, sets the run time. The
    count is deterministic, unlike a timing. Returns a :class:`PassCount`.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function; got {type(fn).__name__}")

    def arrays(a):
        return list(a.values()) if isinstance(a, dict) else [a]

    sizes = [v.size for a in (*args, *kwargs.values()) for v in arrays(a) if isinstance(v, np.ndarray)]
    if not sizes:
        raise ValueError("count_passes needs at least one array argument (the full-size input)")

    def wrap(a):
        return {k: _wrap(v) for k, v in a.items()} if isinstance(a, dict) else _wrap(a)

    count = PassCount()
    with _counting(count, max(sizes)):
        result = fn(*[wrap(a) for a in args], **{k: wrap(v) for k, v in kwargs.items()})
    count.result = _unwrap(result)
    return count
