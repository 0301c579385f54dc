"""The long experiments of notebook 06, run as a script: they take minutes, the notebook seconds.

    python -m normlib.lessons.l06_batch_norm_benefits.long_runs      (or: make experiments)
    python -m normlib.lessons.l06_batch_norm_benefits.long_runs --reuse    (train only what the saved file lacks)

Trains, all in float64 with :func:`.experiments.train` (``normlib.fit`` on the Figure 1 network):

- the learning-rate sweep: both networks × 25 rates (√2 apart, 0.031 … 128) × 8 seeds × 400 steps,
  test accuracy every 5 steps;
- the regularization runs: plain, dropout (p = 0.2), BN, BN + dropout × 8 seeds × 3,000 steps, lr 1;
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

# The learning-rate sweep and the regularization runs use 8 seeds: their conclusions are stated as a
# median and range over seeds, and the largest trainable rate of one seed is an edge-of-divergence value.
SWEEP_SEEDS = tuple(range(8))
SETTINGS = dict(
    lr_sweep=dict(lrs=list(E.LRS), seeds=list(SWEEP_SEEDS), steps=400, eval_every=5),
    regularization=dict(lr=1.0, steps=3000, dropout=0.2, seeds=list(SWEEP_SEEDS), eval_every=100),
    weight_decay=dict(weight_decays=list(E.WEIGHT_DECAYS), lr=1.0, steps=3000, seeds=list(E.SEEDS),
                      eval_every=100),
)


def _key(network, lr, seed, steps, eval_every, dropout=0.0, weight_decay=0.0, activation="sigmoid"):
    return (network, float(lr), int(seed), int(steps), int(eval_every), float(dropout), float(weight_decay), activation)


def saved_runs(path):
    """The runs of an earlier results file, by their settings (:func:`_key`), for ``--reuse``."""
    data = json.loads(Path(path).read_text())
    runs = {_key(d["network"], d["lr"], d["seed"], d["steps"], d["eval_every"], d["dropout"], d["weight_decay"],
                 d["activation"]): E.run_from_dict(d) for d in data["runs"]}
    return runs, {k: data.get(k) for k in ("date", "command", "python", "numpy", "git_commit", "cpu", "blas")}


def run_all(settings=SETTINGS, log=print, reuse=None):
    """Train everything in ``settings``; returns the JSON-able dict that :func:`main` saves.
    ``reuse``: runs by :func:`_key` (:func:`saved_runs`) taken as they are instead of training them
    again (the same code, settings and seed; recorded in the output)."""
    start, where = time.perf_counter(), run_provenance()      # the code and machine at the start
    reuse, made, n_reused = dict(reuse or {}), {}, 0

    def run(network, lr, steps, eval_every, seed, dropout=0.0, weight_decay=0.0):
        nonlocal n_reused
        key = _key(network, lr, seed, steps, eval_every, dropout, weight_decay)
        if key not in made:
            if key in reuse:
                made[key], n_reused = reuse[key], n_reused + 1
            else:
                made[key] = E.train(network, lr, steps, eval_every=eval_every, dropout=dropout,
                                    weight_decay=weight_decay, seed=seed)
        return made[key]

    s = settings["lr_sweep"]
    sweep = {net: tuple(tuple(run(net, lr, s["steps"], s["eval_every"], sd) for lr in s["lrs"]) for sd in s["seeds"])
             for net in E.NETWORKS}
    log(f"learning-rate sweep: {time.perf_counter() - start:.0f} s")
    s = settings["regularization"]
    configs = {"plain": ("plain", 0.0), "dropout": ("plain", s["dropout"]), "BN": ("bn", 0.0),
               "BN + dropout": ("bn", s["dropout"])}
    reg = {name: tuple(run(net, s["lr"], s["steps"], s["eval_every"], sd, dropout=p) for sd in s["seeds"])
           for name, (net, p) in configs.items()}
    log(f"regularization runs: {time.perf_counter() - start:.0f} s")
    s = settings["weight_decay"]
    wd = {net: tuple(tuple(run(net, s["lr"], s["steps"], s["eval_every"], sd, weight_decay=lam) for sd in s["seeds"])
                     for lam in s["weight_decays"]) for net in E.NETWORKS}
    log(f"weight-decay sweep: {time.perf_counter() - start:.0f} s")
    runs, seen = [], set()
    for experiment, group in (("lr_sweep", sweep), ("regularization", reg), ("weight_decay", wd)):
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
        n_runs=n_runs, n_steps=n_steps, n_trained=n_runs - n_reused, n_reused=n_reused,
        settings=settings, runs=runs)


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
    """``--reuse``: take the runs of the saved results file that have the same settings and seed as
    they are, and train only the others (the file then records where the reused runs came from)."""
    args = sys.argv[1:] if argv is None else argv
    if set(args) - {"--reuse"}:
        raise SystemExit(f"usage: python -m normlib.lessons.l06_batch_norm_benefits.long_runs [--reuse]; got {args}")
    path = Path(__file__).resolve().parent / "results" / "bn_benefits.json"
    reuse, origin = saved_runs(path) if "--reuse" in args and path.exists() else ({}, None)
    with one_blas_thread():
        data = run_all(reuse=reuse)
    if data["n_reused"]:
        data["command"] += " --reuse"
        data["reused_from"] = origin
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{data['n_runs']} runs, {data['n_steps']:,} steps, {data['seconds']} s → {path}")


if __name__ == "__main__":
    sys.exit(main())
