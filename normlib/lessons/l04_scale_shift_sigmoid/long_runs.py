"""The seed sweeps of notebook 04, run as a script (a few minutes on one core; the notebook cannot
afford them in its run-all):

    python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs      (or: make experiments)
    python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs --reuse    (train only what the saved file lacks)

1. Red and blue (:func:`train_bn_mlp` with β started at 4 or 0, sigmoid), at learning rates 0.1 and
   0.5, 2,000 steps, 10 seeds (the digits split, the weights and the batches change with the seed),
   with ‖∂L/∂W‖ of every layer at the start.
2. The γ/β ablation: the same BN networks with learned γ, β (``affine=True``) and without them
   (``affine=False``), sigmoid and ReLU, at learning rates 0.1, 0.5 and 2.0, 1,500 steps, 5 seeds.

Saves ``results/seed_sweeps.json`` (every run's test accuracy every 50 steps, mean β per layer, the
final training loss) with the command, the versions, the date and where it ran. The notebook loads
it with :func:`load_results`; ``tests/claims/test_l04_scale_shift_sigmoid_claims.py`` re-derives its
claims on seeds of its own, and ``tests/lessons/test_l04_scale_shift_sigmoid_saved_results.py`` checks
the notebook's sentences against this file.
"""

import datetime
import json
import platform
import sys
import time
from dataclasses import asdict

import numpy as np

from .experiments import RESULTS, initial_grad_norms, train_bn_mlp
from ...module import one_blas_thread
from ...results import run_provenance

RED_BLUE = dict(lrs=(0.1, 0.5), offset=4.0, steps=2000, eval_every=50, batch_size=60, seeds=tuple(range(10)))
ABLATION = dict(lrs=(0.1, 0.5, 2.0), steps=1500, eval_every=50, batch_size=60, seeds=(0, 1, 2, 3, 4))


def _run(**kw):
    try:
        return asdict(train_bn_mlp(**kw))
    except RuntimeError as e:                        # diverged: recorded as such, no numbers
        return {"diverged": str(e)}


def _reusable(old, part, settings):
    """{seed: position} of the runs of ``part`` ("red_blue" or "ablation") in the old results, if they
    were made with the same settings (the seeds aside); else {}."""
    if old is None:
        return {}
    same = lambda d: {k: v for k, v in json.loads(json.dumps(d)).items() if k != "seeds"}
    if same(old["settings"][part]) != same(settings):
        return {}
    seeds = old["settings"][part].get("seeds", old["settings"].get("seeds"))
    return {s: i for i, s in enumerate(seeds)}


def main(argv=None, path=RESULTS):
    """``--reuse``: take the runs of the saved file that have the same settings and seed as they are
    and train only the others (the file then records where the reused runs came from)."""
    args = sys.argv[1:] if argv is None else argv
    if set(args) - {"--reuse"}:
        raise SystemExit(f"usage: python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs [--reuse]; got {args}")
    old = json.loads(path.read_text()) if "--reuse" in args and path.exists() else None
    with one_blas_thread():
        _main(path, old)


def _main(path, old):
    start, where = time.perf_counter(), run_provenance()      # the code and machine at the start
    n_reused = 0

    def run(part, keys, seed, **kw):
        nonlocal n_reused
        index = reusable[part]
        if seed in index:
            n_reused += 1
            saved = old[part]
            for k in keys:
                saved = saved[k]
            return saved[index[seed]]
        return _run(seed=seed, **kw)

    reusable = {"red_blue": _reusable(old, "red_blue", RED_BLUE), "ablation": _reusable(old, "ablation", ABLATION)}
    grad_norms = {name: [initial_grad_norms(beta0, seed=s).tolist() for s in RED_BLUE["seeds"]]
                  for name, beta0 in (("blue", 0.0), ("red", RED_BLUE["offset"]))}
    red_blue = {}
    for lr in RED_BLUE["lrs"]:
        red_blue[str(lr)] = {
            name: [run("red_blue", (str(lr), name), s, activation="sigmoid", beta0=beta0, lr=lr,
                       steps=RED_BLUE["steps"], eval_every=RED_BLUE["eval_every"]) for s in RED_BLUE["seeds"]]
            for name, beta0 in (("blue", 0.0), ("red", RED_BLUE["offset"]))}
        print(f"red/blue lr {lr} done", flush=True)
    ablation = {}
    for act in ("sigmoid", "relu"):
        ablation[act] = {}
        for lr in ABLATION["lrs"]:
            ablation[act][str(lr)] = {
                str(affine): [run("ablation", (act, str(lr), str(affine)), s, activation=act, affine=affine, lr=lr,
                                  steps=ABLATION["steps"], eval_every=ABLATION["eval_every"]) for s in ABLATION["seeds"]]
                for affine in (True, False)}
            print(f"ablation {act} lr {lr} done", flush=True)
    out = dict(command="python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs" + (" --reuse" if n_reused else ""),
               date=datetime.date.today().isoformat(),
               versions=dict(python=platform.python_version(), numpy=np.__version__),
               **where, seconds=round(time.perf_counter() - start), n_reused=n_reused,
               settings=dict(red_blue=RED_BLUE, ablation=ABLATION, dtype="float64",
                             network="bn_mlp: 64 → 3 × (Linear → BN → activation, 100 units) → 10"),
               grad_norms=grad_norms, red_blue=red_blue, ablation=ablation)
    if n_reused:
        out["reused_from"] = {k: old.get(k) for k in ("date", "command", "versions", "git_commit", "cpu", "blas")}
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path}")


if __name__ == "__main__":
    sys.exit(main())
