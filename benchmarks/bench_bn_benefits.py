"""Wall-clock cost of batch norm per training step, and the speed-up of notebook 06 in seconds.

Notebook 06 counts *steps* to a target test accuracy (from the saved sweep of ``long_runs.py``, each
network at its own best learning rate, mean over the seeds); a BN step costs more than a plain one.
This script times one float64 SGD step of the Figure 1 network with and without BN (medians of
repeated runs) and converts the step ratio into a wall-clock ratio.

    python benchmarks/bench_bn_benefits.py [--repeats 7] [--steps 200]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import normlib as nl                                        # noqa: E402
from normlib.lessons.l06_batch_norm_benefits import experiments as bb                     # noqa: E402


def time_per_step(bn, steps, repeats, lr=1.0):
    d = nl.load_digits(dtype=np.float64)
    times = []
    for r in range(repeats):
        model = bb.digits_mlp(bn, seed=r)
        start = time.perf_counter()
        nl.fit(model, d.X_train, d.y_train, steps=steps, batch_size=60, lr=lr, seed=r)
        times.append((time.perf_counter() - start) / steps)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--target", type=float, default=0.9)
    args = parser.parse_args()
    plain = time_per_step(False, args.steps, args.repeats)
    bn = time_per_step(True, args.steps, args.repeats)
    sweep = bb.saved_results().sweep
    (lr_plain, s_plain), (lr_bn, s_bn) = sweep.best_lr("plain", args.target), sweep.best_lr("bn", args.target)
    print(f"one SGD step, batch 60, 3×100 sigmoid MLP, float64 (median of {args.repeats} × {args.steps} steps):")
    print(f"  without BN {1e3 * plain:.3f} ms   with BN {1e3 * bn:.3f} ms   BN/plain {bn / plain:.2f}×")
    if lr_plain is not None and lr_bn is not None:
        s_plain, s_bn = s_plain.mean(), s_bn.mean()
        print(f"steps to {100 * args.target:g}% test accuracy (notebook 06, each at its best learning rate, mean of "
              f"{len(sweep.seeds)} seeds): without BN {s_plain:.0f} (lr {lr_plain:.3g}), with BN {s_bn:.0f} "
              f"(lr {lr_bn:.3g}): {s_plain / s_bn:.1f}× fewer steps")
        print(f"wall-clock speed-up: {s_plain * plain / (s_bn * bn):.1f}×")

if __name__ == "__main__":
    main()
