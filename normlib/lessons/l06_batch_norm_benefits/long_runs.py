"""The long experiments of notebook 06, run as a script: they take minutes, the notebook seconds.

    python -m normlib.lessons.l06_batch_norm_benefits.long_runs      (or: make experiments)

Trains, all in float64 with :func:`.experiments.train` (``normlib.fit`` on the Figure 1 network):

- the learning-rate sweep: both networks × 25 rates (√2 apart, 0.031 … 128) × 10 seeds × 400 steps,
  test accuracy every 5 steps;
- the regularization runs: plain, dropout (p = 0.2), BN, BN + dropout × 10 seeds × 3,000 steps, lr 1;
- the weight-decay sweep: both networks × λ ∈ {0, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2} × 5 seeds × 3,000
  steps, lr 1;

on one BLAS thread, and writes them, with the command, the versions, the date, the settings and where
they ran (git commit, CPU, OpenBLAS kernel set), to
``normlib/lessons/l06_batch_norm_benefits/results/bn_benefits.json``, which the notebook loads
(:func:`.experiments.saved_results`).
"""

import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import experiments as E
from ...module import one_blas_thread
from ...results import run_provenance

# The learning-rate sweep and the regularization runs use 10 seeds: their conclusions are stated as a
# median and range over seeds, and the largest trainable rate of one seed is an edge-of-divergence value.
SWEEP_SEEDS = tuple(range(10))
SETTINGS = dict(
    lr_sweep=dict(lrs=list(E.LRS), seeds=list(SWEEP_SEEDS), steps=400, eval_every=5),
    regularization=dict(lr=1.0, steps=3000, dropout=0.2, seeds=list(SWEEP_SEEDS), eval_every=100),
    weight_decay=dict(weight_decays=list(E.WEIGHT_DECAYS), lr=1.0, steps=3000, seeds=list(E.SEEDS),
                      eval_every=100),
)


def run_all(settings=SETTINGS, log=print):
    """Train everything in ``settings``; returns the JSON-able dict that :func:`main` saves."""
    start, where = time.perf_counter(), run_provenance()      # the code and machine at the start
    s = settings["lr_sweep"]
    sweep = E.lr_sweep(tuple(s["lrs"]), tuple(s["seeds"]), s["steps"], s["eval_every"])
    log(f"learning-rate sweep: {time.perf_counter() - start:.0f} s")
    s = settings["regularization"]
    reg = E.regularization_runs(s["lr"], s["steps"], s["dropout"], tuple(s["seeds"]), s["eval_every"])
    log(f"regularization runs: {time.perf_counter() - start:.0f} s")
    s = settings["weight_decay"]
    wd = E.weight_decay_sweep(tuple(s["weight_decays"]), s["lr"], s["steps"], tuple(s["seeds"]), s["eval_every"])
    log(f"weight-decay sweep: {time.perf_counter() - start:.0f} s")
    runs, seen = [], set()
    for experiment, group in (("lr_sweep", sweep.runs), ("regularization", reg), ("weight_decay", wd)):
        for r in _flatten(group):
            if id(r) not in seen:                    # a run shared by two experiments is saved once
                seen.add(id(r))
                d = E.run_to_dict(r)
                if experiment != "lr_sweep":         # the loss curves of the long runs are not used
                    d["loss"] = []
                runs.append(dict(experiment=experiment, **d))
    n_runs, n_steps = E.count_runs(sweep, reg, wd)
    return dict(
        command="python -m normlib.lessons.l06_batch_norm_benefits.long_runs",
        date=datetime.date.today().isoformat(),
        python=platform.python_version(), numpy=np.__version__, **where,
        dtype="float64", seconds=round(time.perf_counter() - start),
        n_runs=n_runs, n_steps=n_steps, settings=settings, runs=runs)


def _flatten(obj):
    if isinstance(obj, E.Run):
        yield obj
    elif hasattr(obj, "values"):
        for v in obj.values():
            yield from _flatten(v)
    else:
        for v in obj:
            yield from _flatten(v)


def main(argv=None):
    with one_blas_thread():
        data = run_all()
    path = Path(__file__).resolve().parent / "results" / "bn_benefits.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{data['n_runs']} runs, {data['n_steps']:,} steps, {data['seconds']} s → {path}")


if __name__ == "__main__":
    sys.exit(main())
