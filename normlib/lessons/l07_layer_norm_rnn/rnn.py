"""A tanh RNN with backpropagation through time, plain, with layer norm, or with per-step batch norm.

The summed inputs at step t are a_t = W_hh h_{t−1} + W_xh x_t (h_0 = 0). Then

    plain      h_t = tanh(a_t + b)
    LN-RNN     h_t = tanh(g/σ_t ⊙ (a_t − μ_t) + b)          Ba, Kiros & Hinton (2016), Eq. 4
               μ_t, σ_t over the H units of a_t, separately for every example and every step;
               one gain g and one bias b shared by all steps.
    BN-RNN     h_t = tanh(g ⊙ (a_t − μ_B,t)/√(σ²_B,t + ε) + b)
               μ_B,t, σ²_B,t per unit over the batch, with separate statistics for every step t
               (and separate running statistics for inference; Cooijmans et al. 2016, §3); g, b
               shared over time as in the LN-RNN, so the two differ only in their statistics.

The digits are read as sequences: the 8 rows of an 8×8 image are 8 time steps of 8 pixels.
:func:`rnn_experiment` trains the three on them (cached, so a notebook and its explorer share a run).
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ... import functional as F
from ...checks import as_float_array, check_batch_stats, check_eps
from ...data import load_digits
from ...module import Module, Sequential, as_rng, positive_int as _positive_int
from ...nn import Linear, fit
from ...results import load_json, readonly as _frozen

__all__ = ["RNN", "LastStep", "rnn_classifier", "digit_sequences", "train_rnn", "rnn_experiment",
           "RNNResults", "NORMS", "blank_rows", "rnn_results", "RNN_RESULTS_FILE"]

NORMS = (None, "layer", "batch")


class RNN(Module):
    """Elman RNN, h_t = tanh(norm(W_hh h_{t−1} + W_xh x_t) + b), over sequences x of shape (N, T, D).

    Parameters
    ----------
    input_size, hidden_size : D and H.
    norm : None (plain), ``"layer"`` (LN-RNN, Ba et al. 2016 Eq. 4) or ``"batch"`` (BN with separate
        statistics per time step).
    eps : ε added to the variance (normalized RNNs only).
    momentum : weight of the *new* batch in the running statistics of the BN-RNN (PyTorch's
        convention): running ← (1 − momentum)·running + momentum·batch value; the stored
        variance is the unbiased m/(m − 1)·σ²_B.
    rng : seed or Generator. W_xh is Xavier-uniform, W_hh a random orthogonal matrix, b = 0, g = 1.
    dtype : dtype of the parameters; inputs of another float dtype are computed in their own dtype.

    ``forward(x)`` returns every hidden state, shape (N, T, H), and keeps the summed inputs a_t of
    every step in ``summed_inputs`` (N, T, H); ``backward(dh)`` takes the gradient
    of the loss with respect to all of them (zeros where a step is unused) and runs backpropagation
    through time: the gradient reaching h_t is dh_t plus what flows back from step t + 1,
    W_hhᵀ·(∂L/∂a_{t+1}). It returns ∂L/∂x (N, T, D) and fills ``dw_xh``, ``dw_hh``, ``dbias``
    and (normalized RNNs) ``dgain``, each summed over all time steps.

    In eval mode the BN-RNN normalizes step t with its running statistics; a step later than any
    seen in training has none, and uses those of the last trained step (Cooijmans et al. 2016).
    """

    def __init__(self, input_size, hidden_size, norm=None, eps=1e-5, momentum=0.1, rng=None,
                 dtype=np.float32):
        self.input_size = _positive_int(input_size, "input_size")
        self.hidden_size = H = _positive_int(hidden_size, "hidden_size")
        if norm not in NORMS:
            raise ValueError(f"norm must be None, 'layer' or 'batch'; got {norm!r}")
        check_eps(eps)
        if isinstance(momentum, bool) or not np.isscalar(momentum) or not 0 < momentum <= 1:
            raise ValueError(f"momentum must be in (0, 1] (the weight of the new batch); got {momentum!r}")
        self.norm, self.eps, self.momentum = norm, float(eps), float(momentum)
        rng = as_rng(rng)
        self.dtype = np.dtype(dtype)
        a = np.sqrt(6.0 / (input_size + H))
        self.w_xh = rng.uniform(-a, a, (H, input_size)).astype(self.dtype)
        q, r = np.linalg.qr(rng.standard_normal((H, H)))
        self.w_hh = (q * np.sign(np.diag(r))).astype(self.dtype)      # orthogonal
        self.bias = np.zeros(H, self.dtype)
        self.gain = np.ones(H, self.dtype) if norm else None
        self.param_names = ("w_xh", "w_hh", "bias") + (("gain",) if norm else ())
        self.running_mean = np.zeros((0, H), self.dtype)               # (steps seen, H), BN only
        self.running_var = np.zeros((0, H), self.dtype)
        self.dw_xh = self.dw_hh = self.dbias = self.dgain = None
        self._cache = self.summed_inputs = None

    # -- forward --------------------------------------------------------------------------------
    def forward(self, x):
        x = as_float_array(x)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"RNN({self.input_size}, {self.hidden_size}) expects x of shape "
                             f"(N, T, {self.input_size}); got {x.shape}")
        N, T, _ = x.shape
        if self.norm == "batch" and self.training:
            check_batch_stats(x[:, 0], "RNN(norm='batch') in training mode")
        cast = lambda p: None if p is None else p.astype(x.dtype, copy=False)
        w_xh, w_hh, bias, gain = cast(self.w_xh), cast(self.w_hh), cast(self.bias), cast(self.gain)
        h = np.zeros((N, T + 1, self.hidden_size), x.dtype)          # h[:, 0] = h_0 = 0
        self.summed_inputs = np.empty((N, T, self.hidden_size), x.dtype)   # a_t, for inspection
        steps = []
        xw = x @ w_xh.T                                                # W_xh x_t for every t at once
        for t in range(T):
            a = self.summed_inputs[:, t] = xw[:, t] + h[:, t] @ w_hh.T
            z, cache = self._normalize(a, t, gain, bias)
            h[:, t + 1] = np.tanh(z)
            steps.append(cache)
        self._cache = dict(x=x, h=h, steps=steps, w_xh=w_xh, w_hh=w_hh)
        return h[:, 1:].copy()

    def _normalize(self, a, t, gain, bias):
        """z_t = norm(a_t)·g + b; returns z and what backward needs for this step. The BN-RNN keeps
        one pair of running statistics per time step and runs batch norm itself on them
        (:func:`normlib.functional.batch_norm_forward`, training or eval mode)."""
        if self.norm is None:
            return a + bias, None
        if self.norm == "layer":
            return F.norm_forward(a, (1,), gain, bias, 1, self.eps)
        if self.training:
            self._grow_running_stats(t)
            k = t
        else:                    # a step later than any trained: the last trained step's statistics
            k = min(t, len(self.running_mean) - 1)
        if k < 0:                # before any training step: PyTorch's initial running statistics
            mean, var = np.zeros(self.hidden_size, self.dtype), np.ones(self.hidden_size, self.dtype)
        else:
            mean, var = self.running_mean[k], self.running_var[k]       # views: updated in place
        return F.batch_norm_forward(a, gain, bias, mean, var, self.training, self.momentum, self.eps)

    def _grow_running_stats(self, t):
        """A step never seen in training starts from PyTorch's defaults (mean 0, variance 1)."""
        if t >= len(self.running_mean):
            grow = t + 1 - len(self.running_mean)
            self.running_mean = np.concatenate([self.running_mean, np.zeros((grow, self.hidden_size), self.dtype)])
            self.running_var = np.concatenate([self.running_var, np.ones((grow, self.hidden_size), self.dtype)])

    # -- backward through time ------------------------------------------------------------------
    def backward(self, dh):
        c = self._require_cache()
        x, h, w_xh, w_hh = c["x"], c["h"], c["w_xh"], c["w_hh"]
        N, T, _ = x.shape
        dh = as_float_array(dh, "dh")
        if dh.shape != (N, T, self.hidden_size):
            raise ValueError(f"dh must have the shape of the last forward output {(N, T, self.hidden_size)}; "
                             f"got {dh.shape}")
        da_all = np.empty_like(h[:, 1:])
        dgain = np.zeros(self.hidden_size, x.dtype) if self.norm else None
        dbias = np.zeros(self.hidden_size, x.dtype)
        carry = np.zeros((N, self.hidden_size), x.dtype)              # ∂L/∂h_t from step t + 1
        for t in reversed(range(T)):
            dz = (dh[:, t] + carry) * (1.0 - h[:, t + 1] ** 2)           # through tanh
            cache = c["steps"][t]
            if self.norm is None:
                da, db = dz, dz.sum(axis=0)
            else:
                backward = F.norm_backward if self.norm == "layer" else F.batch_norm_backward
                da, dg, db = backward(dz, cache)
                dgain += dg
            dbias += db
            da_all[:, t] = da
            carry = da @ w_hh
        # every step's contribution to the weight gradients at once
        self.dw_xh = np.einsum("nth,ntd->hd", da_all, x).astype(self.dtype, copy=False)
        self.dw_hh = np.einsum("nth,ntk->hk", da_all, h[:, :-1]).astype(self.dtype, copy=False)
        self.dbias = dbias.astype(self.dtype, copy=False)
        self.dgain = None if dgain is None else dgain.astype(self.dtype, copy=False)
        return da_all @ w_xh

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, norm={self.norm!r}"


class LastStep(Module):
    """(N, T, H) → (N, H): the hidden state after the last step (what a sequence classifier reads)."""

    def forward(self, h):
        h = as_float_array(h, "h")
        if h.ndim != 3:
            raise ValueError(f"LastStep expects hidden states of shape (N, T, H); got {h.shape}")
        self._cache = h.shape
        return h[:, -1].copy()

    def backward(self, dy):
        dh = np.zeros(self._require_cache(), dy.dtype)
        dh[:, -1] = dy
        return dh


def rnn_classifier(norm=None, hidden=32, n_in=8, n_out=10, seed=0, dtype=np.float64):
    """RNN → last hidden state → Linear: a sequence classifier (plain, LN-RNN or BN-RNN); float64 by
    default, so that trained numbers do not depend on the CPU's BLAS kernels."""
    rng = np.random.default_rng(seed)
    return Sequential(RNN(n_in, hidden, norm=norm, rng=rng, dtype=dtype), LastStep(),
                      Linear(hidden, n_out, rng=rng, dtype=dtype))


def digit_sequences(seed=0, dtype=np.float64):
    """The digits as sequences: (N, 8, 8) = (examples, time steps = rows, features = pixels of a row).

    Returns ``(X_train, y_train, X_test, y_test)``; pixels standardized with training statistics.
    """
    d = load_digits(seed=seed, images=True, dtype=dtype)
    return d.X_train[:, 0], d.y_train, d.X_test[:, 0], d.y_test


def train_rnn(norm, X, y, steps=400, batch_size=32, lr=0.1, hidden=32, seed=0, X_test=None, y_test=None,
              eval_every=20):
    """Train one :func:`rnn_classifier` (``norm`` None, "layer" or "batch") on sequences ``X`` (N, T, 8)
    with ``nl.fit``: SGD with momentum 0.9, seeded mini-batches. Returns ``(model, history)``."""
    if norm not in NORMS:
        raise ValueError(f"norm must be None, 'layer' or 'batch'; got {norm!r}")
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[2] != 8:
        raise ValueError(f"X must be sequences of digit rows, shape (N, T, 8); got {X.shape}")
    model = rnn_classifier(norm, hidden=hidden, seed=seed)
    history = fit(model, X, y, steps=steps, batch_size=batch_size, lr=lr, momentum=0.9, seed=seed,
                  X_test=X_test, y_test=y_test, eval_every=eval_every)
    return model, history


@dataclass(frozen=True)
class RNNResults:
    """:func:`rnn_experiment`'s runs. For each name in ``models`` ("plain", "layer", "batch"):
    ``loss[name]`` per step, ``test_accuracy[name]`` at ``eval_steps`` (read-only arrays), and the
    trained model (copy it before changing it)."""

    eval_steps: np.ndarray
    loss: MappingProxyType
    test_accuracy: MappingProxyType
    models: MappingProxyType
    settings: MappingProxyType


@lru_cache(maxsize=4)
def rnn_experiment(steps=400, batch_size=32, lr=0.1, hidden=32, eval_every=20, seed=0):
    """Train the plain RNN, the LN-RNN and the per-step BN-RNN on the digit rows (cached, float64).

    Same seed, same mini-batches, same SGD (momentum 0.9) for all three; only the normalization
    differs.
    """
    X, y, Xt, yt = digit_sequences(seed)
    out = dict(loss={}, test_accuracy={}, models={})
    for name, norm in (("plain", None), ("layer", "layer"), ("batch", "batch")):
        model, hist = train_rnn(norm, X, y, steps, batch_size, lr, hidden, seed, Xt, yt, eval_every)
        out["loss"][name] = _frozen(hist.loss)
        out["test_accuracy"][name] = _frozen(hist.test_accuracy)
        out["models"][name] = model
    return RNNResults(eval_steps=_frozen(hist.eval_steps), settings=MappingProxyType(dict(
        steps=steps, batch_size=batch_size, lr=lr, hidden=hidden, eval_every=eval_every, seed=seed)),
        **{k: MappingProxyType(v) for k, v in out.items()})


def blank_rows(X, k, seed=0):
    """``X`` (N, T, 8) with ``k`` blank (all-zero pixel) rows in front, standardized like the digits."""
    d = load_digits(seed=seed, dtype=np.float64)
    blank = (0 - d.mean[:8]) / d.std[:8]
    return np.concatenate([np.tile(blank, (len(X), k, 1)), X], axis=1)


RNN_RESULTS_FILE = Path(__file__).with_name("results") / "rnn.json"


@lru_cache(maxsize=2)
def rnn_results(path=RNN_RESULTS_FILE):
    """The RNN comparison on 5 seeds that ``long_runs.py`` saved (cached, read-only):
    ``runs[lr][name][metric]`` is an array over seeds (name "plain", "layer", "batch"; lr "0.1",
    "0.05"); ``provenance`` holds the command, versions, date and settings."""
    raw = load_json(Path(path), "python -m normlib.lessons.l07_layer_norm_rnn.long_runs rnn")
    runs = MappingProxyType({lr: MappingProxyType({n: MappingProxyType({k: _frozen(np.array(v, float))
                                                                         for k, v in d.items()})
                                                   for n, d in byname.items()})
                             for lr, byname in raw["runs"].items()})
    return MappingProxyType(dict(runs=runs, provenance=MappingProxyType(
        {k: raw[k] for k in ("command", "date", "python", "numpy", "settings")})))
