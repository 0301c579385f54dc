"""Notebook 10's long experiment, run as a script: Wu & He's (2018) Figure 1 at laptop scale.

    python -m normlib.lessons.l10_instance_group_norm.long_runs          (or: make experiments)

1. **Learning rate, per method.** For BN and for GN, the base rate (lr = base·B/32) is chosen on a
   grid at batch 32 by the error on an *inner* validation split — the last 270 of the 1,348
   training digits, trained on the other 1,078 — mean over 3 seeds. The 449 held-out digits are
   not used for this.
2. **The sweep.** BN and GN at batch sizes 2…32, every seed: the same number of epochs at every
   batch size, the linear scaling rule, ÷10 after 2/3 of the steps; each trained network measured
   by :func:`~normlib.lessons.l10_instance_group_norm.experiments.measure_run` on the held-out digits
   (Wu & He's numbers are ImageNet *validation* error: data used for nothing but the measurement).
3. The weights of one GN network (batch 32, seed 0), which the notebook's explorer shows.

Everything is saved to ``results/gn_figure1.json`` with the command, the versions and the date.
Float64, one BLAS thread per process, 2 processes: about 8 minutes on this course's 2-core machine
(the saved file records the seconds).

4. **More seeds** (``--part more``, saved to ``results/more_seeds.json``): the same runs on seeds the
   sweep did not use — BN at batch 2 and 32 on seeds 3–8 (does precise BN help at batch 2?) and at
   batch 16 on seeds 3–5 (notebook 11's synchronized runs); GN at batch 32 on seeds 3–5 at base
   rates 0.2 *and* 0.4 (how much of GN's rise there is its learning rate?). About 2½ minutes with 2
   processes on the course's machine. ``--part sweep`` runs 1–3 only; the default runs everything.
"""

import argparse
import datetime
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from . import experiments as ex
from ...nn import evaluate
from ...results import run_provenance

SEEDS = (0, 1, 2)
TUNE_SEEDS = (0, 1, 2)
LR_GRID = (0.1, 0.2, 0.4, 0.8)
TUNE_BATCH = 32
N_INNER = 1078                  # inner training split for the learning-rate search; the rest validates
KEEP = ("gn", 32, 0)
WORKERS = 2                     # processes (each trains on one BLAS thread)
MORE_SEEDS = (3, 4, 5)          # seeds the sweep did not use
MORE_BN_SEEDS = (6, 7, 8)       # and more for BN at batch 2 and 32
MORE_GN_LRS = (0.2, 0.4)
MORE_FILE = ex.MORE_FILE


def tune_one(norm, lr, seed, epochs=ex.EPOCHS, batch_size=TUNE_BATCH):
    """Inner-validation error (%) of one base learning rate and seed (NaN if training diverged)."""
    d = ex.digits()
    Xa, ya, Xb, yb = d.X_train[:N_INNER], d.y_train[:N_INNER], d.X_train[N_INNER:], d.y_train[N_INNER:]
    model, losses = ex.train_conv(norm, batch_size, Xa, ya, epochs=epochs, base_lr=lr, seed=seed)
    return float("nan") if losses is None else evaluate(model, Xb, yb).error


def best_lr(errors):
    """The grid value with the lowest mean error (a diverged seed counts as 100 %)."""
    return min(errors, key=lambda lr: np.mean(np.nan_to_num(errors[lr], nan=100.0)))


def _sweep_one(norm, B, seed, lr):
    metrics, model = ex.run_one(norm, B, seed, ex.EPOCHS, lr)
    return metrics, (ex.parameters_of(model) if (norm, B, seed) == KEEP else None)


def main(seeds=SEEDS, tune_seeds=TUNE_SEEDS, path=ex.RESULTS_FILE, workers=WORKERS):
    start = time.time()
    norms = ("bn", "gn")
    with ProcessPoolExecutor(workers) as pool:
        jobs = {(n, lr, s): pool.submit(tune_one, n, lr, s) for n in norms for lr in LR_GRID for s in tune_seeds}
        tuning = {n: {lr: [jobs[n, lr, s].result() for s in tune_seeds] for lr in LR_GRID} for n in norms}
        for n in norms:
            for lr in LR_GRID:
                print(f"  tune {n} base lr {lr}: inner-validation error {np.round(tuning[n][lr], 1)}", flush=True)
        base_lr = {n: best_lr(t) for n, t in tuning.items()}
        print("chosen base learning rates:", base_lr, flush=True)
        # longest runs (small batches) first, so that the two processes finish together
        order = sorted(((n, B, s) for n in norms for B in ex.BATCH_SIZES for s in seeds), key=lambda c: c[1])
        jobs = {c: pool.submit(_sweep_one, *c, base_lr[c[0]]) for c in order}
        cells, kept = {}, None
        for c in order:
            cells[c], params = jobs[c].result()
            kept = params if params is not None else kept
            print(f"  {c}: held-out error {cells[c]['val_error']:.1f}%  ({time.time() - start:.0f} s)", flush=True)
    sweep = ex.assemble(ex.BATCH_SIZES, norms, seeds, ex.EPOCHS, base_lr, ex.CHANNELS, ex.GROUPS, cells)
    out = {
        "provenance": {
            "command": "python -m normlib.lessons.l10_instance_group_norm.long_runs",
            "python": platform.python_version(), "numpy": np.__version__, **run_provenance(),
            "date": datetime.date.today().isoformat(), "seconds": round(time.time() - start),
            "processes": workers, "machine": platform.machine()},
        "tuning": {"settings": {"grid": list(LR_GRID), "batch_size": TUNE_BATCH, "epochs": ex.EPOCHS,
                                "seeds": list(tune_seeds), "inner_train": N_INNER,
                                "inner_val": 1348 - N_INNER,
                                "rule": "lowest mean inner-validation error at batch 32"},
                   "errors": {n: {str(lr): v for lr, v in t.items()} for n, t in tuning.items()}},
        "sweep": {"batch_sizes": list(sweep.batch_sizes), "norms": list(sweep.norms),
                  "seeds": list(sweep.seeds), "steps": list(sweep.steps), "base_lr": dict(sweep.base_lr),
                  "settings": dict(sweep.settings),
                  "metrics": {n: {k: np.round(v, 6).tolist() for k, v in sweep.metrics[n].items()}
                              for n in sweep.norms}},
        "gn_model": {"norm": KEEP[0], "batch_size": KEEP[1], "seed": KEEP[2], "parameters": kept},
    }
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path} ({time.time() - start:.0f} s)")


def more_cells():
    """The (norm, batch_size, seed, base_lr) of part 4, in the order they run."""
    bn_lr = ex.load_results().sweep.base_lr["bn"]
    cells = [("bn", 2, s, bn_lr) for s in MORE_SEEDS + MORE_BN_SEEDS]
    cells += [("bn", 32, s, bn_lr) for s in MORE_SEEDS]
    cells += [("gn", 32, s, lr) for lr in MORE_GN_LRS for s in MORE_SEEDS]
    cells += [("bn", 16, s, bn_lr) for s in MORE_SEEDS]
    cells += [("bn", 32, s, bn_lr) for s in MORE_BN_SEEDS]
    return cells


def _more_one(norm, B, seed, lr):
    return ex.run_one(norm, B, seed, ex.EPOCHS, lr)[0]


def main_more(path=MORE_FILE, workers=WORKERS, resume=True):
    """Part 4: the sweep's runs on more seeds (see the module's docstring), saved to ``path`` after
    every finished run (``"complete": false`` until the last one). With ``resume``, runs already in
    ``path`` are kept and not run again (so an interrupted ``--part more`` resumes); the default
    command (``--part all``, after a new sweep) starts afresh."""
    start = time.time()
    all_cells = more_cells()
    key = lambda r: (r["norm"], r["batch_size"], r["seed"], r["base_lr"])
    done = [r for r in (json.loads(path.read_text())["runs"] if resume and path.is_file() else [])
            if key(r) in all_cells]
    have = {key(r) for r in done}
    cells = [c for c in all_cells if c not in have]
    out = {"provenance": {
               "command": "python -m normlib.lessons.l10_instance_group_norm.long_runs --part more",
               "python": platform.python_version(), "numpy": np.__version__, **run_provenance(),
               "date": datetime.date.today().isoformat(), "processes": workers,
               "machine": platform.machine()},
           "settings": {"epochs": ex.EPOCHS, "channels": ex.CHANNELS, "groups": ex.GROUPS,
                        "decay_at": ex.DECAY_AT, "momentum": 0.9},
           "complete": False, "runs": list(done)}
    out["provenance"]["resumed_runs"] = len(done)          # runs kept from an earlier, interrupted sitting
    path.parent.mkdir(exist_ok=True)
    with ProcessPoolExecutor(workers) as pool:
        jobs = {c: pool.submit(_more_one, *c) for c in cells}
        for c in cells:
            m = jobs[c].result()
            out["runs"].append({"norm": c[0], "batch_size": c[1], "seed": c[2], "base_lr": c[3],
                                **{k: round(v, 6) for k, v in m.items()}})
            out["provenance"]["seconds"] = round(time.time() - start)
            out["complete"] = len(out["runs"]) == len(all_cells)
            path.write_text(json.dumps(out, indent=1) + "\n")
            print(f"  {c}: held-out error {m['val_error']:.2f}%, precise {m['val_error_precise']:.2f}%  "
                  f"({time.time() - start:.0f} s)", flush=True)
    out["complete"] = len(out["runs"]) == len(all_cells)
    out["provenance"]["seconds"] = round(time.time() - start)            # this sitting
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "sweep", "more"), default="all")
    part = parser.parse_args().part
    if part in ("all", "sweep"):
        main()
    if part in ("all", "more"):
        main_more(resume=part == "more")
