"""Forward + backward time of every normlib normalization layer, float32, one thread.

Compares, for each layer and shape:
  closed   — normlib as shipped: the closed-form backward (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ
  staged   — the same forward, backward through the computation graph node by node
             (normlib.standardize_backward_staged), as a first derivation would write it
  torch    — PyTorch's fused CPU kernels, when PyTorch happens to be installed, and whether
             normlib/torch meets issue 19's target (BatchNorm ≤ 1.5×; LayerNorm, InstanceNorm and
             GroupNorm ≤ 3×)

Prints medians and ratios (the machines here are shared and noisy: ratios and medians only).

    python benchmarks/bench_norms.py [--repeat 30]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _timing import median_time                                 # noqa: E402
import normlib as nl                                             # noqa: E402
from normlib import functional as F                             # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

CASES = [
    # name, normlib layer, torch layer factory, shape, target (normlib/torch at most)
    ("BatchNorm (N, C)", lambda: nl.BatchNorm(512), lambda: torch.nn.BatchNorm1d(512), (256, 512), 1.5),
    # the shape the course's MLPs train (batch 60, 100 units): where its batch-norm time is spent
    ("BatchNorm (N, C) course MLP", lambda: nl.BatchNorm(100), lambda: torch.nn.BatchNorm1d(100), (60, 100), 1.5),
    ("BatchNorm (N, C, H, W)", lambda: nl.BatchNorm(64), lambda: torch.nn.BatchNorm2d(64), (32, 64, 16, 16), 1.5),
    ("LayerNorm (N, D)", lambda: nl.LayerNorm(512), lambda: torch.nn.LayerNorm(512), (1024, 512), 3.0),
    ("InstanceNorm (N, C, H, W)", lambda: nl.InstanceNorm(64, affine=True),
     lambda: torch.nn.InstanceNorm2d(64, affine=True), (32, 64, 16, 16), 3.0),
    ("GroupNorm G=8 (N, C, H, W)", lambda: nl.GroupNorm(8, 64), lambda: torch.nn.GroupNorm(8, 64),
     (32, 64, 16, 16), 3.0),
    ("RMSNorm (N, D)", lambda: nl.RMSNorm(512), lambda: torch.nn.RMSNorm(512), (1024, 512), None),
]


def staged_step(layer, x, dy):
    """Forward as shipped, then a node-by-node backward through the standardization (in the
    layer's own view of x: the groups as an axis for group norm) and the sums dγ, dβ."""
    y = layer.forward(x)
    C = layer.num_features
    if isinstance(layer, nl.LayerNorm):
        g, view, axes, other = dy * layer.gamma, x.shape, (x.ndim - 1,), tuple(range(x.ndim - 1))
    else:
        pshape = (1, C) + (1,) * (x.ndim - 2)
        g = dy * layer.gamma.reshape(pshape) if layer.gamma is not None else dy
        other = (0,) + tuple(range(2, x.ndim))
        if isinstance(layer, nl.BatchNorm):
            view, axes = x.shape, other
        else:                                        # group norm; instance norm is G = C
            G = getattr(layer, "num_groups", C)
            view = (x.shape[0], G, C // G) + x.shape[2:]
            axes = tuple(range(2, len(view)))
    dx = F.standardize_backward_staged(g.reshape(view), x.reshape(view), axes, layer.eps).reshape(x.shape)
    x_hat = layer._cache["x_hat"].reshape(x.shape)
    return y, dx, np.sum(dy * x_hat, axis=other), np.sum(dy, axis=other)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}; "
          f"float32, 1 thread, median of {args.repeat}")
    header = (f"{'layer':<28}{'shape':>18}{'normlib ms':>12}{'staged ms':>11}{'staged/closed':>15}"
              f"{'torch ms':>10}{'normlib/torch':>15}{'target':>8}")
    print(header)
    print("-" * len(header))
    for name, make, make_torch, shape, target in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        dy = rng.standard_normal(shape).astype(np.float32)
        layer = make()
        t_closed = median_time(lambda: (layer.forward(x), layer.backward(dy)), args.repeat)
        t_staged = (median_time(lambda: staged_step(layer, x, dy), args.repeat)
                    if not isinstance(layer, nl.RMSNorm) else float("nan"))  # staged is for centred norms
        row = (f"{name:<28}{str(shape):>18}{t_closed * 1e3:>12.2f}{t_staged * 1e3:>11.2f}"
               f"{t_staged / t_closed:>15.2f}")
        if torch is not None:
            tl = make_torch()
            xt, dyt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dy)

            def torch_step():
                xt.grad = None
                tl(xt).backward(dyt)
            t_torch = median_time(torch_step, args.repeat)
            ratio = t_closed / t_torch
            row += f"{t_torch * 1e3:>10.2f}{ratio:>15.2f}"
            if target is not None:
                row += f"{'≤ %.1f' % target:>8} {'met' if ratio <= target else 'NOT MET'}"
        print(row)


if __name__ == "__main__":
    main()
