"""Where layer norm sits in a residual network: post-LN vs pre-LN (Xiong et al. 2020).

A Transformer layer is a residual block x + F(x) with a layer norm either after the addition or
at the start of the branch:

    post-LN (original Transformer, Vaswani et al. 2017)   x_{l+1} = LN(x_l + F(x_l))
    pre-LN  (GPT-2 and most models since)                 x_{l+1} = x_l + F(LN(x_l)),  and one
                                                          final LN after the last block

Here F is the position-wise feed-forward sub-layer, F(x) = W₂ ReLU(W₁ x + b₁) + b₂, and attention is
left out: the effect Xiong et al. analyse (their Theorem 1, Figure 3) comes from where the LN sits
on the residual path — post-LN divides the whole stream by its norm after every block, pre-LN
leaves a clean identity path to the output — and a feed-forward sub-layer has the same residual
structure. :func:`gradient_norms` measures ‖∂L/∂W‖ of every block's weights at initialization.
"""

import numpy as np

from ...checks import as_float_array
from ...layers import LayerNorm, RMSNorm
from ...module import Module, Sequential, positive_int as _positive_int
from ...nn import Linear, ReLU, softmax_cross_entropy

__all__ = ["ResidualBlock", "residual_stack", "gradient_norms", "PLACEMENTS", "train_stack"]

PLACEMENTS = ("post", "pre")


class ResidualBlock(Module):
    """One feed-forward Transformer sub-layer with its residual connection and a norm.

    ``placement="post"``: y = norm(x + F(x)); ``"pre"``: y = x + F(norm(x)). ``norm`` is
    ``"layer"`` (LayerNorm) or ``"rms"`` (RMSNorm). x: (tokens, d).
    """

    def __init__(self, d, hidden, placement="pre", norm="layer", rng=None, dtype=np.float32):
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be 'post' or 'pre'; got {placement!r}")
        if norm not in ("layer", "rms"):
            raise ValueError(f"norm must be 'layer' or 'rms'; got {norm!r}")
        d, hidden = _positive_int(d, "d"), _positive_int(hidden, "hidden")
        self.placement = placement
        self.norm = LayerNorm(d, dtype=dtype) if norm == "layer" else RMSNorm(d, dtype=dtype)
        self.fc1 = Linear(d, hidden, rng=rng, dtype=dtype)
        self.act = ReLU()
        self.fc2 = Linear(hidden, d, rng=rng, dtype=dtype)
        self.branch = Sequential(self.fc1, self.act, self.fc2)

    def forward(self, x):
        x = as_float_array(x)
        if self.placement == "post":
            return self.norm.forward(x + self.branch.forward(x))
        return x + self.branch.forward(self.norm.forward(x))

    def backward(self, dy):
        if self.placement == "post":
            ds = self.norm.backward(dy)                 # s = x + F(x)
            return ds + self.branch.backward(ds)
        return dy + self.norm.backward(self.branch.backward(dy))

    def parameters(self):
        for prefix, layer in (("norm", self.norm), ("fc1", self.fc1), ("fc2", self.fc2)):
            for name, value, grad in layer.parameters():
                yield f"{prefix}.{name}", value, grad

    def extra_repr(self):
        return f"{self.placement}-{type(self.norm).__name__}, d={self.fc1.in_features}, hidden={self.fc1.out_features}"


def residual_stack(depth, d=32, hidden=128, placement="pre", norm="layer", n_out=10, seed=0,
                   dtype=np.float64):
    """``depth`` residual blocks, (pre-LN only) a final norm, and a linear read-out to ``n_out``
    classes. Xavier-uniform weights (Xiong et al. 2020 initialize with Xavier too), seeded."""
    depth = _positive_int(depth, "depth")
    rng = np.random.default_rng(seed)
    layers = [ResidualBlock(d, hidden, placement, norm, rng, dtype) for _ in range(depth)]
    if placement == "pre":
        layers.append(LayerNorm(d, dtype=dtype) if norm == "layer" else RMSNorm(d, dtype=dtype))
    layers.append(Linear(d, n_out, rng=rng, dtype=dtype))
    return Sequential(*layers)


def gradient_norms(depth=12, d=32, hidden=128, tokens=128, placement="pre", norm="layer",
                   seeds=range(4)):
    """‖∂L/∂W₂‖_F of every block's second feed-forward matrix at initialization, per block.

    L is the softmax cross-entropy of random labels on random Gaussian tokens (a stand-in for a
    real loss: at initialization the labels carry no structure the network has learned). Averaged
    over ``seeds`` (each a new network, input and labels). Returns an array of length ``depth``
    (block 1 nearest the input). Xiong et al. (2020, Fig. 3) plot the same quantity.
    """
    out = []
    for seed in seeds:
        model = residual_stack(depth, d, hidden, placement, norm, seed=seed)
        rng = np.random.default_rng(1000 + seed)
        x = rng.standard_normal((tokens, d))
        labels = rng.integers(0, 10, tokens)
        _, dlogits = softmax_cross_entropy(model.forward(x), labels)
        model.backward(dlogits)
        out.append([np.linalg.norm(block.fc2.dweight) for block in model.layers[:depth]])
    return np.mean(out, axis=0)


def train_stack(placement, lr, warmup=0, steps=300, depth=12, d=64, hidden=128, batch_size=32,
                momentum=0.9, seed=0):
    """Exercise 2's helper: :func:`residual_stack` (``placement`` "post" or "pre", layer norm) trained
    on the digits (each 64-pixel image one token of width d = 64) by ``nl.fit`` (SGD with SGD
    momentum), the learning rate rising linearly from lr/warmup to ``lr`` over the first ``warmup``
    steps (0: no warm-up), then constant. float64, seeded. Returns fit's ``nl.History``: loss per
    step, test accuracy at step 0 and at the end (only step 0's if the loss became non-finite —
    ``history.status`` says which)."""
    from ...data import load_digits
    from ...nn import fit

    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be 'post' or 'pre'; got {placement!r}")
    if not (np.isscalar(lr) and lr > 0):
        raise ValueError(f"lr must be a number > 0; got {lr!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ValueError(f"warmup must be an int ≥ 0 (a number of steps); got {warmup!r}")
    if d != 64:
        raise ValueError(f"d must be 64 here (the digits have 64 pixels); got {d!r}")
    data = load_digits(seed=seed, dtype=np.float64)
    model = residual_stack(depth, d, hidden, placement, "layer", seed=seed)
    schedule = (lambda step: lr * min(1.0, step / warmup)) if warmup else lr
    return fit(model, data.X_train, data.y_train, steps=steps, batch_size=batch_size, lr=schedule,
               momentum=momentum, seed=seed, X_test=data.X_test, y_test=data.y_test)
