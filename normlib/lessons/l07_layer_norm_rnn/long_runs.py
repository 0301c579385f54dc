"""The long experiment of notebook 07, run as a script; the notebook loads what it saves.

    python -m normlib.lessons.l07_layer_norm_rnn.long_runs          (also run by `make experiments`)

``results/rnn.json`` — the RNN comparison of the notebook (plain vs LN-RNN vs per-step BN-RNN on the
digits read row by row) on 5 seeds at both learning rates it shows (0.1 and 0.05), and the
blank-rows test. (The small-batch sweep that used to live here moved with its notebook to
normlib/lessons/l08_small_batches.)

About a minute on one idle core. Everything in float64 on one BLAS thread.
"""

import json
import sys
from pathlib import Path

import numpy as np

from ...nn import accuracy
from . import rnn
from ...results import provenance, rounded

RESULTS = Path(__file__).with_name("results")
COMMAND = "python -m normlib.lessons.l07_layer_norm_rnn.long_runs"
SEEDS = (0, 1, 2, 3, 4)
RNN_LRS, RNN_BLANK_ROWS = (0.1, 0.05), (0, 4, 8)


def run_rnn(log=print):
    X, y, Xt, yt = rnn.digit_sequences()
    res = {}
    for lr in RNN_LRS:
        per = {name: dict(final_test_acc=[], best_test_acc=[], loss_last_50=[], min_loss_first_150=[],
                          max_loss_after_150=[], **{f"test_acc_blank_{k}": [] for k in RNN_BLANK_ROWS})
               for name in ("plain", "layer", "batch")}
        for seed in SEEDS:
            for name, norm in (("plain", None), ("layer", "layer"), ("batch", "batch")):
                model, h = rnn.train_rnn(norm, X, y, lr=lr, seed=seed, X_test=Xt, y_test=yt)
                loss = np.convolve(h.loss, np.ones(10) / 10, mode="valid")      # mean of 10 steps
                p = per[name]
                p["final_test_acc"].append(h.test_accuracy[-1])
                p["best_test_acc"].append(max(h.test_accuracy))
                p["loss_last_50"].append(float(np.mean(h.loss[-50:])))
                p["min_loss_first_150"].append(float(loss[:141].min()))
                p["max_loss_after_150"].append(float(loss[141:].max()))
                for k in RNN_BLANK_ROWS:
                    p[f"test_acc_blank_{k}"].append(accuracy(model, rnn.blank_rows(Xt, k), yt))
            log(f"rnn lr = {lr} seed {seed}: " + ", ".join(
                f"{n} {100 * per[n]['final_test_acc'][-1]:.1f}%" for n in per))
        res[str(lr)] = {n: {k: rounded(v) for k, v in d.items()} for n, d in per.items()}
    settings = dict(seeds=list(SEEDS), lrs=list(RNN_LRS), steps=400, batch_size=32, hidden=32, momentum=0.9,
                    eval_every=20, blank_rows=list(RNN_BLANK_ROWS), dtype="float64",
                    loss_smoothing="mean of 10 steps for min_loss_first_150 / max_loss_after_150")
    return dict(provenance(COMMAND, settings), runs=res)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    unknown = set(argv) - {"rnn"}
    if unknown:
        raise SystemExit(f"unknown experiment(s) {sorted(unknown)}; choose from rnn")
    RESULTS.mkdir(exist_ok=True)
    from ...module import one_blas_thread
    with one_blas_thread():
        out = run_rnn()
        (RESULTS / "rnn.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


if __name__ == "__main__":
    main()
