"""Model builders the lessons share. Each returns a :class:`normlib.Sequential` of layers the reader
has met in :mod:`normlib.nn`, :mod:`normlib.layers` and :mod:`normlib.conv`."""

import numpy as np

from .layers import BatchNorm
from .nn import Linear, Sequential, Sigmoid

__all__ = ["sigmoid_mlp"]


def sigmoid_mlp(norm=None, hidden=(100, 100, 100), n_in=64, n_out=10, init=0.1, seed=0,
                after_norm=None, dtype=np.float32):
    """Linear → [BN → [extra layer]] → sigmoid, for each hidden layer, then a linear output layer:
    the BN paper's Figure 1 network (3 hidden layers of 100 sigmoids) by default.

    ``norm``: None (plain) or ``"bn"``. Weights start as N(0, ``init``²) ("small random Gaussian
    values", as in the BN paper's Figure 1 experiment). With BN, the hidden linear layers have no
    bias: BN's β replaces it (a bias before BN is cancelled by the centring). ``after_norm``, if
    given, is called with the builder's Generator and returns a layer put right after each BN
    (notebook 02 puts Santurkar et al.'s noise there). ``dtype``: of every parameter (float64
    makes training results independent of the CPU's BLAS kernels).
    """
    if norm not in (None, "bn"):
        raise ValueError(f"norm must be None or 'bn'; got {norm!r}")
    rng = np.random.default_rng(seed)
    layers = []
    for width in hidden:
        layers.append(Linear(n_in, width, init=init, bias=norm is None, rng=rng, dtype=dtype))
        if norm is not None:
            layers.append(BatchNorm(width, dtype=dtype))
            if after_norm is not None:
                layers.append(after_norm(rng))
        layers.append(Sigmoid())
        n_in = width
    layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
    return Sequential(*layers)
