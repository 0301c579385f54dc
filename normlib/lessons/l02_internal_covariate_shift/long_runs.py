"""The seed sweep of notebook 02, run as a script (it takes about a minute; the notebook cannot
afford it in its run-all):

    python -m normlib.lessons.l02_internal_covariate_shift.long_runs      (or: make experiments)

For each of 5 seeds (the digits split, the weights, the batches and the noise all change with the
seed) it runs :func:`figure1` with the notebook's settings — the plain, BN, noisy-BN and noisy-plain
networks, 2,000 steps, float64 — and saves :func:`summarize` of each run to
``results/seed_sweep.json``, with the command, the versions and the date. The notebook loads it
with :func:`load_results`; ``tests/claims/test_l02_internal_covariate_shift_claims.py`` re-runs
3 seeds and checks them against it.
"""

import datetime
import json
import platform
import sys

import numpy as np

from .experiments import RESULTS, figure1, summarize
from ...results import run_provenance

SEEDS = (0, 1, 2, 3, 4)
SETTINGS = dict(steps=2000, batch_size=60, lr=0.5, eval_every=40, units=8)


def main(path=RESULTS):
    runs = {}
    for seed in SEEDS:
        print(f"seed {seed} ...", flush=True)
        runs[str(seed)] = summarize(figure1(seed=seed, **SETTINGS))
    out = dict(command="python -m normlib.lessons.l02_internal_covariate_shift.long_runs",
               date=datetime.date.today().isoformat(),
               versions=dict(python=platform.python_version(), numpy=np.__version__),
               **run_provenance(),
               settings=dict(SETTINGS, dtype="float64", summary="summarize(r, layer=3, early=200)"),
               seeds=list(SEEDS), runs=runs)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path}")


if __name__ == "__main__":
    sys.exit(main())
