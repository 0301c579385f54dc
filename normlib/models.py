"""Model builders the lessons share. Each returns a :class:`normlib.Sequential` of layers the reader
has met in :mod:`normlib.nn` and :mod:`normlib.layers` (the conv net is :func:`normlib.conv.conv_net`)."""

import numpy as np

from .layers import BatchNorm, LayerNorm
from .module import Sequential
from .nn import Dropout, Linear, ReLU, Sigmoid

__all__ = ["mlp", "sigmoid_mlp"]

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": ReLU}


def mlp(hidden=(100, 100, 100), norm=None, activation="sigmoid", init=0.1, out_init=None, bias=None,
        affine=True, dropout=0.0, n_in=64, n_out=10, seed=0, after_norm=None, dtype=np.float32):
    """A fully connected network, for each hidden layer::

        Linear → [norm] → [after_norm(rng)] → activation → [Dropout]

    then a linear output layer. Every lesson's MLP is this function with other arguments.

    ``norm``: None, ``"bn"`` (BatchNorm) or ``"ln"`` (LayerNorm), with γ and β unless
    ``affine=False``. ``activation``: ``"sigmoid"`` or ``"relu"``. ``init``: the hidden layers'
    weights (a std such as 0.1, the BN paper's "small random Gaussian values", or ``"he"``,
    ``"xavier"``, ``"lecun"``); ``out_init``: the output layer's (default: ``init``). ``bias``: of the
    hidden linear layers (default: only without a norm, whose β replaces it — a bias before BN is
    cancelled by the centring). ``after_norm``, if given, is called with the builder's Generator and
    returns a layer put right after each norm (notebook 02 puts Santurkar et al.'s noise there).
    ``dtype``: of every parameter (float64 makes training results independent of the CPU's BLAS
    kernels). The weights are drawn from one Generator seeded with ``seed``, layer by layer.
    """
    if norm not in (None, "bn", "ln"):
        raise ValueError(f"norm must be None, 'bn' or 'ln'; got {norm!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be 'sigmoid' or 'relu'; got {activation!r}")
    if isinstance(dropout, bool) or not np.isscalar(dropout) or not 0 <= dropout < 1:
        raise ValueError(f"dropout (the drop probability) must be in [0, 1); got {dropout!r}")
    if after_norm is not None and norm is None:
        raise ValueError("after_norm needs a norm to follow: give norm='bn' or 'ln'")
    bias = norm is None if bias is None else bool(bias)
    rng = np.random.default_rng(seed)
    layers = []
    for width in hidden:
        layers.append(Linear(n_in, width, init=init, bias=bias, rng=rng, dtype=dtype))
        if norm == "bn":
            layers.append(BatchNorm(width, affine=affine, dtype=dtype))
        elif norm == "ln":
            layers.append(LayerNorm(width, affine=affine, dtype=dtype))
        if after_norm is not None:
            layers.append(after_norm(rng))
        layers.append(ACTIVATIONS[activation]())
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
        n_in = width
    layers.append(Linear(n_in, n_out, init=init if out_init is None else out_init, rng=rng, dtype=dtype))
    return Sequential(*layers)


def sigmoid_mlp(norm=None, hidden=(100, 100, 100), n_in=64, n_out=10, init=0.1, seed=0,
                after_norm=None, dtype=np.float32):
    """The BN paper's Figure 1 network: 3 hidden layers of 100 sigmoids, weights N(0, 0.1²),
    without or with BN (``norm`` None or ``"bn"``): :func:`mlp` with those settings."""
    if norm not in (None, "bn"):
        raise ValueError(f"norm must be None or 'bn'; got {norm!r}")
    return mlp(hidden, norm=norm, activation="sigmoid", init=init, n_in=n_in, n_out=n_out, seed=seed,
               after_norm=after_norm, dtype=dtype)
