"""A small training toolkit shared by the notebooks: layers, loss, SGD, mini-batches, a training loop.

Same conventions as :mod:`normlib.layers`: ``forward(x)`` stores what ``backward(dy)`` needs;
``backward`` returns dx and fills ``d<param>`` for every parameter.
"""

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from .checks import as_float_array
from .module import Module, as_rng, one_blas_thread, positive_int as _positive_int

__all__ = ["Linear", "Sigmoid", "Tanh", "ReLU", "Dropout", "softmax_cross_entropy", "SGD", "minibatches",
           "accuracy", "evaluate", "Evaluation", "fit", "History", "run_status"]


class Linear(Module):
    """y = x Wᵀ + b with ``weight`` of shape (out_features, in_features), as in PyTorch.

    ``init`` chooses the weight distribution (bias starts at 0):

    - ``"xavier"`` — uniform ±√(6 / (fan_in + fan_out)), Glorot & Bengio 2010 (sigmoid, tanh)
    - ``"he"`` — normal, std √(2 / fan_in), He et al. 2015 (ReLU)
    - ``"lecun"`` — normal, std √(1 / fan_in)
    - a float ``s`` — normal with std ``s`` (e.g. small random weights, as in the BN paper's Fig. 1)
    """

    param_names = ("weight", "bias")

    def __init__(self, in_features, out_features, init="xavier", bias=True, rng=None, dtype=np.float32):
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        rng = as_rng(rng)
        shape = (out_features, in_features)
        if init == "xavier":
            a = math.sqrt(6.0 / (in_features + out_features))
            w = rng.uniform(-a, a, shape)
        elif init == "he":
            w = rng.normal(0.0, math.sqrt(2.0 / in_features), shape)
        elif init == "lecun":
            w = rng.normal(0.0, math.sqrt(1.0 / in_features), shape)
        elif isinstance(init, (int, float)) and not isinstance(init, bool) and init > 0:
            w = rng.normal(0.0, float(init), shape)
        else:
            raise ValueError(f"init must be 'xavier', 'he', 'lecun' or a positive std; got {init!r}")
        self.dtype = np.dtype(dtype)
        self.weight = w.astype(self.dtype)
        self.bias = np.zeros(out_features, self.dtype) if bias else None
        self.dweight = self.dbias = None
        self._cache = None

    def forward(self, x):
        x = as_float_array(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expects x of shape "
                             f"(N, {self.in_features}); got {x.shape}")
        w = self.weight.astype(x.dtype, copy=False)
        self._cache = x
        y = x @ w.T
        if self.bias is not None:
            y += self.bias.astype(x.dtype, copy=False)
        return y

    def backward(self, dy):
        x = self._require_cache()
        self.dweight = (dy.T @ x).astype(self.dtype, copy=False)
        if self.bias is not None:
            self.dbias = dy.sum(axis=0).astype(self.dtype, copy=False)
        return dy @ self.weight.astype(dy.dtype, copy=False)

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}"


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^(−x)); σ'(x) = σ(x)(1 − σ(x)) ≤ 1/4, small far from 0 (saturation)."""

    def forward(self, x):
        x = as_float_array(x)
        e = np.exp(-np.abs(x))                       # never overflows
        y = np.where(x >= 0, 1.0, e) / (1.0 + e)
        self._cache = y
        return y

    def backward(self, dy):
        y = self._require_cache()
        return dy * y * (1.0 - y)


class Tanh(Module):
    """tanh(x); derivative 1 − tanh²(x)."""

    def forward(self, x):
        self._cache = y = np.tanh(as_float_array(x))
        return y

    def backward(self, dy):
        y = self._require_cache()
        return dy * (1.0 - y * y)


class ReLU(Module):
    """max(0, x)."""

    def forward(self, x):
        x = as_float_array(x)
        self._cache = x > 0
        return np.where(self._cache, x, x.dtype.type(0))

    def backward(self, dy):
        return np.where(self._require_cache(), dy, dy.dtype.type(0))


class Dropout(Module):
    """Inverted dropout: in training, zero each value with probability ``p`` and scale the rest by
    1/(1 − p); in eval mode, the identity."""

    def __init__(self, p=0.5, rng=None):
        if not np.isscalar(p) or not 0 <= p < 1:
            raise ValueError(f"p (the drop probability) must be in [0, 1); got {p!r}")
        self.p = float(p)
        self.rng = as_rng(rng)
        self._cache = None

    def forward(self, x):
        x = as_float_array(x)
        if not self.training or self.p == 0:
            self._cache = x.dtype.type(1)          # the identity; recorded now, not read at backward
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        self._cache = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
        return x * self._cache

    def backward(self, dy):
        """dy times the mask of the last forward (whatever the mode is now)."""
        return dy * self._require_cache()

    def extra_repr(self):
        return f"p={self.p}"


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels; returns ``(loss, dlogits)``."""
    logits = as_float_array(logits, "logits")
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, num_classes); got {logits.shape}")
    if labels.shape != (logits.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {logits.shape[0]} integers (one per row of logits); got "
                         f"shape {labels.shape} and dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in [0, {logits.shape[1] - 1}]; got values from "
                         f"{labels.min()} to {labels.max()}")
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1
    return float(loss), dlogits / logits.dtype.type(n)


class SGD:
    """Stochastic gradient descent with momentum and weight decay, PyTorch's update::

        g ← grad + weight_decay · p;  v ← momentum · v + g;  p ← p − lr · v
    """

    def __init__(self, model, lr, momentum=0.0, weight_decay=0.0):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            if not np.isscalar(value) or not value >= 0:
                raise ValueError(f"{name} must be a number ≥ 0; got {value!r}")
        self.model, self.lr, self.momentum, self.weight_decay = model, lr, momentum, weight_decay
        self._velocity = {}

    def step(self):
        for name, p, g in self.model.parameters():
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                v = self._velocity.get(name)
                g = self._velocity[name] = g.copy() if v is None else self.momentum * v + g
            p -= self.lr * g  # in place: the layer keeps its array


def minibatches(n, batch_size, rng):
    """Endless shuffled mini-batches of indices into ``n`` examples: each epoch is a fresh seeded
    permutation, cut into batches of ``batch_size`` (a shorter last batch is dropped)."""
    batch_size = _positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"batch_size must be at most the number of examples ({n}); got {batch_size}")
    rng = as_rng(rng)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def accuracy(model, X, y, batch_size=512):
    """Fraction of correct predictions, in eval mode (the model's mode is restored afterwards)."""
    was_training = model.training
    model.eval()
    try:
        pred = np.concatenate([model.forward(X[i:i + batch_size]).argmax(axis=1)
                               for i in range(0, len(X), batch_size)])
    finally:
        model.train(was_training)
    return float(np.mean(pred == y))


def _learning_rate(value, step):
    if not np.isscalar(value) or not value >= 0:
        raise ValueError(f"lr(step) must return a number ≥ 0; at step {step} it returned {value!r}")
    return value


@dataclass
class Evaluation:
    """What :func:`evaluate` measured: mean cross-entropy, accuracy, and each example's predicted
    class (in the rows' order)."""

    loss: float
    accuracy: float
    predictions: np.ndarray

    @property
    def error(self):
        """The error rate in percent, 100 · (1 − accuracy)."""
        return 100 * (1 - self.accuracy)


def evaluate(model, X, y, mode="eval", batch_size=512, seed=0, shuffle=True):
    """Loss and accuracy of ``model`` on ``(X, y)``, in ``mode``:

    - ``"eval"``: as at test time (BN uses its running statistics); batch_size only bounds memory.
    - ``"train"``: as during training — in batches of ``batch_size`` rows of a seeded permutation
      (``shuffle=False``: of the rows in their order), BN normalizing each batch with its own μ_B
      and σ²_B. When ``batch_size`` does not divide the number of examples, the r left over are
      scored in one more full batch, the last ``batch_size`` rows of the permutation (only those r
      are counted): every example counts once and every batch has the size whose statistics we
      want to see.

    The model is not changed (training mode runs on a copy: BN's running statistics stay as they
    are), and its mode is restored. Returns an :class:`Evaluation`.
    """
    if mode not in ("eval", "train"):
        raise ValueError(f"mode must be 'eval' or 'train'; got {mode!r}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise ValueError(f"shuffle must be True (a seeded permutation) or False (the rows' order); got {shuffle!r}")
    batch_size = _positive_int(batch_size, "batch_size")
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n or n == 0:
        raise ValueError(f"X and y must hold the same number (> 0) of examples; got {n} and {len(y)}")
    if mode == "train" and batch_size > n:
        raise ValueError(f"batch_size must be at most the number of examples ({n}) in training mode; "
                         f"got {batch_size}")
    logits = None
    if mode == "eval":
        was_training = model.training
        model.eval()
        try:
            with one_blas_thread():
                logits = np.concatenate([model.forward(X[i:i + batch_size]) for i in range(0, n, batch_size)])
        finally:
            model.train(was_training)
        order = np.arange(n)
    else:
        work = copy.deepcopy(model).train()
        order = as_rng(seed).permutation(n) if shuffle else np.arange(n)
        parts = []
        with one_blas_thread():
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                out = work.forward(X[order[max(stop - batch_size, 0):stop]])
                parts.append(out[-(stop - start):])          # only the rows not scored before
        logits = np.concatenate(parts)
    labels = y[order]
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    loss = float(-np.mean(log_p[np.arange(n), labels]))
    predictions = np.empty(n, np.int64)
    predictions[order] = logits.argmax(axis=1)
    return Evaluation(loss, float(np.mean(predictions == y)), predictions)


@dataclass
class History:
    """What :func:`fit` recorded. ``loss[i]`` is the training loss at step i; ``eval_steps`` are the
    steps after which ``test_accuracy`` and every ``records[name]`` were taken."""

    loss: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    records: dict = field(default_factory=dict)
    diverged_at: int | None = None

    @property
    def diverged(self):
        return self.diverged_at is not None

    @property
    def status(self):
        return run_status(self.diverged_at, len(self.loss))


def run_status(diverged_at, steps):
    """How a training run ended, in words: where it diverged, or how many steps it finished (what
    :attr:`History.status` says, and every saved run that keeps ``diverged_at``)."""
    if diverged_at is not None:
        return f"diverged: the loss became non-finite at step {diverged_at}; training stopped"
    return f"finished {steps} steps"


def fit(model, X, y, *, steps, batch_size, lr, momentum=0.0, weight_decay=0.0, seed=0,
        X_test=None, y_test=None, eval_every=None, record=None, progress=None, on_step=None):
    """Train ``model`` with softmax cross-entropy and SGD; return a :class:`History`.

    Parameters
    ----------
    steps, batch_size : number of SGD steps and examples per step (seeded shuffled mini-batches).
    lr : the learning rate: a number, or a schedule, a function of the step (1, 2, …) that returns
        the rate for that step (a warm-up, a step decay: ``lambda step: 0.1 if step <= 1000 else 0.01``).
    momentum, weight_decay : the :class:`SGD` settings (SGD momentum, not BN's momentum).
    X_test, y_test : if given, test accuracy is measured every ``eval_every`` steps (and at the end).
    record : dict name → function(model) called at the same moments, in eval mode; its results are
        collected in ``history.records[name]`` (e.g. percentiles of a hidden layer's inputs).
    progress : optional function(step, steps) called after every step (e.g. to drive a progress bar).
    on_step : optional function(step, model, loss) called after every update (e.g. to read BN's
        running statistics as they move); it must not change the model.

    A step whose loss is not finite stops training cleanly: nothing is updated, ``diverged_at`` is
    that step, and ``history.status`` says so.
    """
    steps = _positive_int(steps, "steps")
    eval_every = steps if eval_every is None else _positive_int(eval_every, "eval_every")
    record = dict(record or {})
    history = History(records={name: [] for name in record})
    schedule = lr if callable(lr) else None
    opt = SGD(model, schedule(1) if schedule else lr, momentum, weight_decay)
    batches = minibatches(len(X), batch_size, seed)

    def evaluate(step):
        history.eval_steps.append(step)
        if X_test is not None:
            history.test_accuracy.append(accuracy(model, X_test, y_test))
        was_training = model.training
        model.eval()
        try:
            for name, fn in record.items():
                history.records[name].append(fn(model))
        finally:
            model.train(was_training)

    model.train()
    evaluate(0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), one_blas_thread():
        for step in range(1, steps + 1):
            idx = next(batches)
            loss, dlogits = softmax_cross_entropy(model.forward(X[idx]), y[idx])
            if not math.isfinite(loss):
                history.diverged_at = step
                break
            history.loss.append(loss)
            model.backward(dlogits)
            if schedule is not None:
                opt.lr = _learning_rate(schedule(step), step)
            opt.step()
            if on_step is not None:
                on_step(step, model, loss)
            if step % eval_every == 0 or step == steps:
                evaluate(step)
            if progress is not None:
                progress(step, steps)
    return history
