"""Notebook 11's long experiment, run as a script: local vs synchronized BN across simulated workers.

    python -m normlib.lessons.l11_choosing_a_normalization.long_runs          (or: make experiments)

The conv net of notebook 10 with :class:`ShardedBatchNorm` (8 workers × 2 digits, a global batch of
16), local and synchronized, trained with notebook 10's schedule and BN's base learning rate from
notebook 10's saved results (run that script first), for seeds 0–5 (0–2 are notebook 10's sweep,
3–5 its "more seeds"); held-out error in eval mode, with the running averages and after precise BN.
Also saved: the largest difference between the weights of the synchronized network and those of
plain BN trained at batch 16 with the same seed — 0 up to rounding, because synchronized BN over K
workers of b images computes exactly the statistics of one batch of K·b.
Saved to ``results/sync_bn.json`` with the command, the versions and the date.
"""

import datetime
import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from . import experiments as ex
from ..l10_instance_group_norm import experiments as l10
from ...results import run_provenance

SEEDS = (0, 1, 2, 3, 4, 5)


def weight_difference(workers=8, per_worker=2, epochs=30, base_lr=None, seed=0):
    """max |w_sync − w_BN| over every parameter, after training the synchronized network and plain
    BN at batch workers·per_worker with the same seed and schedule."""
    base_lr = l10.load_results().sweep.base_lr["bn"] if base_lr is None else base_lr
    d = l10.digits()
    B = workers * per_worker
    sync = ex.sharded_net(True, workers, seed=seed)
    l10.train_model(sync, B, d.X_train, d.y_train, epochs=epochs, base_lr=base_lr, seed=seed)
    plain, _ = l10.train_conv("bn", B, d.X_train, d.y_train, epochs=epochs, base_lr=base_lr, seed=seed)
    return max(float(np.max(np.abs(p - q))) for (_, p, _), (_, q, _) in zip(sync.parameters(), plain.parameters()))


def main(seeds=SEEDS, path=ex.SYNC_RESULTS_FILE, workers=2, base_lr=None):
    start = time.time()
    base_lr = l10.load_results().sweep.base_lr["bn"] if base_lr is None else base_lr
    W, b, epochs = 8, 2, l10.EPOCHS
    with ProcessPoolExecutor(workers) as pool:
        jobs = {(m, s): pool.submit(ex.sync_run, m, W, b, epochs, base_lr, s) for m in ex.MODES for s in seeds}
        check = pool.submit(weight_difference, W, b, epochs, base_lr, seeds[0])
        runs = {k: j.result() for k, j in jobs.items()}
        result = ex.make_result({m: [runs[m, s][0] for s in seeds] for m in ex.MODES}, seeds, W, b,
                                epochs, base_lr,
                                precise={m: [runs[m, s][1] for s in seeds] for m in ex.MODES})
        diff = check.result()
    for mode in ex.MODES:
        print(mode, np.round(result.error[mode], 2), "precise BN", np.round(result.precise[mode], 2), flush=True)
    print("max weight difference, sync vs plain BN at batch 16:", diff)
    out = {
        "provenance": {
            "command": "python -m normlib.lessons.l11_choosing_a_normalization.long_runs",
            "python": platform.python_version(), "numpy": np.__version__, **run_provenance(),
            "date": datetime.date.today().isoformat(), "seconds": round(time.time() - start),
            "machine": platform.machine()},
        "settings": dict(result.settings),
        "seeds": list(result.seeds),
        "error": {m: np.round(v, 6).tolist() for m, v in result.error.items()},
        "precise": {m: np.round(v, 6).tolist() for m, v in result.precise.items()},
        "max_weight_difference": diff,
    }
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"saved {path} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
