"""The seed sweeps of notebook 04, run as a script (a few minutes on one core; the notebook cannot
afford them in its run-all):

    python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs      (or: make experiments)

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


def main(path=RESULTS):
    with one_blas_thread():
        _main(path)


def _main(path):
    start, where = time.perf_counter(), run_provenance()      # the code and machine at the start
    grad_norms = {name: [initial_grad_norms(beta0, seed=s).tolist() for s in RED_BLUE["seeds"]]
                  for name, beta0 in (("blue", 0.0), ("red", RED_BLUE["offset"]))}
    red_blue = {}
    for lr in RED_BLUE["lrs"]:
        red_blue[str(lr)] = {
            name: [_run(activation="sigmoid", beta0=beta0, lr=lr, steps=RED_BLUE["steps"], seed=s,
                        eval_every=RED_BLUE["eval_every"]) for s in RED_BLUE["seeds"]]
            for name, beta0 in (("blue", 0.0), ("red", RED_BLUE["offset"]))}
        print(f"red/blue lr {lr} done", flush=True)
    ablation = {}
    for act in ("sigmoid", "relu"):
        ablation[act] = {}
        for lr in ABLATION["lrs"]:
            ablation[act][str(lr)] = {
                str(affine): [_run(activation=act, affine=affine, lr=lr, steps=ABLATION["steps"], seed=s,
                                   eval_every=ABLATION["eval_every"]) for s in ABLATION["seeds"]]
                for affine in (True, False)}
            print(f"ablation {act} lr {lr} done", flush=True)
    out = dict(command="python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs",
               date=datetime.date.today().isoformat(),
               versions=dict(python=platform.python_version(), numpy=np.__version__),
               **where, seconds=round(time.perf_counter() - start),
               settings=dict(red_blue=RED_BLUE, ablation=ABLATION, dtype="float64",
                             network="bn_mlp: 64 → 3 × (Linear → BN → activation, 100 units) → 10"),
               grad_norms=grad_norms, red_blue=red_blue, ablation=ablation)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path}")


if __name__ == "__main__":
    sys.exit(main())
