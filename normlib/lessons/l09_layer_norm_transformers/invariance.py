"""Table 1 of the layer-norm paper, verified by computation (Ba, Kiros & Hinton 2016, §5.1).

A layer computes summed inputs z = x Wᵀ (W: (H, D), one row w_i per unit; x: (N, D), one row per
training case), then normalizes them:

    batch norm    ẑ_ni = (z_ni − μ_i)/√(σ²_i + ε),   μ_i, σ²_i over the N cases, per unit i
    weight norm   ẑ_ni = w_iᵀ x_n / ‖w_i‖            (Salimans & Kingma 2016; no data statistics)
    layer norm    ẑ_ni = (z_ni − μ_n)/√(σ²_n + ε),   μ_n, σ²_n over the H units, per case n
    RMSNorm       ẑ_ni = z_ni / √(mean_i z²_ni + ε)   (Zhang & Sennrich 2019; no centring)

(gain γ = 1 and bias β = 0: the paper's invariances hold for any fixed γ, β, since they act after ẑ).
The six transformations of Table 1, with δ > 0 a scalar and v a vector (the paper writes γ; here γ is kept for the gain of a normalization):

    weight matrix re-scaling         W → δ W
    weight matrix re-centering       W → W + 1vᵀ     (v ∈ R^D: the same vector added to every row)
    weight vector re-scaling         w_i → δ w_i     (one unit's incoming weights)
    dataset re-scaling               x_n → δ x_n for every case n
    dataset re-centering             x_n → x_n + v for every case n   (v ∈ R^D)
    single training case re-scaling  x_1 → δ x_1, the other cases unchanged

:func:`invariance_table` applies each and reports "Invariant" when the normalized output of every
case and unit stays the same (to a tolerance far above the ε effect and far below any real change).
"""

import numpy as np

from ...module import as_rng

__all__ = ["NORMALIZATIONS", "TRANSFORMATIONS", "PAPER_TABLE_1", "normalized_output",
           "transform", "invariance_table"]

NORMALIZATIONS = ("batch norm", "weight norm", "layer norm", "RMSNorm")
TRANSFORMATIONS = ("weight matrix re-scaling", "weight matrix re-centering", "weight vector re-scaling",
                   "dataset re-scaling", "dataset re-centering", "single training case re-scaling")

# Ba, Kiros & Hinton (2016), Table 1, and for RMSNorm Zhang & Sennrich (2019), Table 1.
PAPER_TABLE_1 = {
    "batch norm": ("Invariant", "No", "Invariant", "Invariant", "Invariant", "No"),
    "weight norm": ("Invariant", "No", "Invariant", "No", "No", "No"),
    "layer norm": ("Invariant", "Invariant", "No", "Invariant", "No", "Invariant"),
    "RMSNorm": ("Invariant", "No", "No", "Invariant", "No", "Invariant"),
}


def normalized_output(method, W, x, eps=1e-5):
    """ẑ of the layer z = x Wᵀ under ``method`` (one of :data:`NORMALIZATIONS`), shape (N, H)."""
    W, x = np.asarray(W, np.float64), np.asarray(x, np.float64)
    if W.ndim != 2 or x.ndim != 2 or W.shape[1] != x.shape[1]:
        raise ValueError(f"W must be (H, D) and x (N, D) with the same D; got W {W.shape}, x {x.shape}")
    if method == "weight norm":
        return x @ (W / np.linalg.norm(W, axis=1, keepdims=True)).T
    z = x @ W.T
    if method == "batch norm":
        return (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)
    if method == "layer norm":
        return (z - z.mean(axis=1, keepdims=True)) / np.sqrt(z.var(axis=1, keepdims=True) + eps)
    if method == "RMSNorm":
        return z / np.sqrt(np.mean(z * z, axis=1, keepdims=True) + eps)
    raise ValueError(f"method must be one of {NORMALIZATIONS}; got {method!r}")


def transform(name, W, x, delta=3.0, rng=0):
    """Apply the transformation ``name`` (one of :data:`TRANSFORMATIONS`); return new (W, x).

    v is a seeded random vector; ``delta`` the scale factor (the paper's δ)."""
    W, x = np.array(W, np.float64), np.array(x, np.float64)
    gamma = as_rng(rng).normal(0.0, 1.0, W.shape[1])
    if name == "weight matrix re-scaling":
        W *= delta
    elif name == "weight matrix re-centering":
        W += gamma[None, :]                      # 1vᵀ: row i gets v, for every i
    elif name == "weight vector re-scaling":
        W[0] *= delta
    elif name == "dataset re-scaling":
        x *= delta
    elif name == "dataset re-centering":
        x += gamma[None, :]
    elif name == "single training case re-scaling":
        x[0] *= delta
    else:
        raise ValueError(f"name must be one of {TRANSFORMATIONS}; got {name!r}")
    return W, x


def invariance_table(W=None, x=None, delta=3.0, eps=1e-5, tol=1e-4, seed=0):
    """{method: tuple of "Invariant"/"No" over :data:`TRANSFORMATIONS`} and the largest change of ẑ.

    ``W`` (H, D) and ``x`` (N, D) default to seeded Gaussians (H = 16, D = 12, N = 32). A change of
    ẑ below ``tol`` (max absolute difference; ẑ is of order 1) counts as invariant.
    Returns ``(table, changes)`` with ``changes[method]`` an array of the six largest changes.
    """
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((16, 12)) if W is None else W
    x = rng.standard_normal((32, 12)) if x is None else x
    table, changes = {}, {}
    for method in NORMALIZATIONS:
        before = normalized_output(method, W, x, eps)
        change = [np.max(np.abs(normalized_output(method, *transform(t, W, x, delta, seed + 1), eps) - before))
                  for t in TRANSFORMATIONS]
        changes[method] = np.array(change)
        table[method] = tuple("Invariant" if c < tol else "No" for c in change)
    return table, changes

