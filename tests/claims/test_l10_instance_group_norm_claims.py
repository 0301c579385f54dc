"""The experimental sentences of notebook 10, re-derived from fresh runs at a reduced scale.

The notebook's numbers come from the 60-epoch sweep (seeds 0–2) and its more-seeds runs (seeds 3–8)
that ``python -m normlib.lessons.l10_instance_group_norm.long_runs`` saved; whether the prose cites
them correctly is checked in tests/lessons/test_l10_instance_group_norm_saved_results.py, not here.

Here each claim is re-derived by training the networks again, with the sweep's rules (the same number
of epochs at every batch size, lr = base·B/32 with each method's tuned base rate, ÷10 after 2/3 of the
steps, float64) at a reduced scale: 20 epochs instead of 60, seeds 9–14 (used by no saved result),
and only the batch sizes a claim needs (BN at 2, 8 and 32; GN at 8 and 32). A single run at batch 2
is chaotic — another BLAS kernel set gives another number — so every test compares seed means: a
difference must exceed a fixed margin and twice its standard error over the seeds. Six seeds, not
three: with three, "precise BN at batch 2 is still clearly above batch 32" (about 1.2–1.8 points on
every kernel set and seed triple) fell just short of twice its standard error on some triples.
"""

import numpy as np
import pytest

from normlib.lessons.l10_instance_group_norm import experiments as ig

SEEDS = (9, 10, 11, 12, 13, 14)
EPOCHS = 20


@pytest.fixture(scope="module")
def bn():
    sweep = ig.batch_size_sweep(batch_sizes=(2, 8, 32), norms=("bn",), seeds=SEEDS, epochs=EPOCHS)
    print({k: np.round(v, 2).tolist() for k, v in sweep.metrics["bn"].items()})     # shown with -s
    return sweep


@pytest.fixture(scope="module")
def gn():
    sweep = ig.batch_size_sweep(batch_sizes=(8, 32), norms=("gn",), seeds=SEEDS, epochs=EPOCHS)
    print({k: np.round(v, 2).tolist() for k, v in sweep.metrics["gn"].items()})     # shown with -s
    return sweep


def col(sweep, norm, B, metric="val_error"):
    return np.asarray(sweep.metrics[norm][metric][:, sweep.batch_sizes.index(B)])


def clearly_above(a, b, margin):
    """mean(a) − mean(b) exceeds ``margin`` and twice its standard error over the seeds."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = a.mean() - b.mean()
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return diff > margin and diff > 2 * se, (round(diff, 2), round(se, 2), a.round(2), b.round(2))


def test_claim_the_reduced_runs_are_new_seeds_with_the_sweeps_rules(bn, gn):
    saved = ig.load_results().sweep
    more = ig.load_more_seeds()
    assert not set(SEEDS) & (set(saved.seeds) | {r["seed"] for r in more.runs})
    assert bn.base_lr["bn"] == saved.base_lr["bn"] and gn.base_lr["gn"] == saved.base_lr["gn"]
    assert all(k * B > EPOCHS * 1348 - B for k, B in zip(bn.steps, bn.batch_sizes))       # equal epochs


def test_claim_bn_is_worst_at_batch_2(bn):
    """'BN is worst at batch 2': its held-out error at batch 2 is above batch 8's and batch 32's."""
    for B in (8, 32):
        ok, info = clearly_above(col(bn, "bn", 2), col(bn, "bn", B), margin=0.5)
        assert ok, (B, info)


def test_claim_gn_is_worse_than_bn_from_batch_8_to_32(bn, gn):
    """'GN is worse than BN from batch 8 to 32' (here at 8 and 32), each with its tuned rate."""
    for B in (8, 32):
        ok, info = clearly_above(col(gn, "gn", B), col(bn, "bn", B), margin=0.5)
        assert ok, (B, info)


def test_claim_training_mode_bn_learns_at_batch_2(bn):
    """(a) ruled out: at batch 2, training-mode BN learns — last-epoch training loss far below
    guessing's ln 10 = 2.30, and training-mode error on the training set far below guessing's 90%
    (at 60 epochs: 0.12 and 3.2%; after 20 epochs the thresholds are 1.0 and 20%)."""
    assert col(bn, "bn", 2, "train_loss").mean() < 1.0
    assert col(bn, "bn", 2, "train_error_train_mode").mean() < 20


def test_claim_most_of_the_cost_is_paid_in_training(bn):
    """(c) most of it, (b) a smaller part: the network trained at batch 2 fits its own training
    set less well than at batch 32 (eval mode), and after precise BN (batches of 128) its held-out
    error is still clearly above batch 32's — more than the running averages add on top.

    The size of the running averages' part (5.0% → 4.3% at batch 2, about a third of the excess)
    is a 9-seed mean of the saved 60-epoch runs; on 3 seeds it is within the seed noise, so it is
    not asserted here."""
    ok, info = clearly_above(col(bn, "bn", 2, "train_error_eval"), col(bn, "bn", 32, "train_error_eval"),
                             margin=0.5)
    assert ok, info
    precise2, run2 = col(bn, "bn", 2, "val_error_precise"), col(bn, "bn", 2, "val_error")
    ok, info = clearly_above(precise2, col(bn, "bn", 32), margin=0.5)
    assert ok, info
    training_part = precise2.mean() - col(bn, "bn", 32).mean()
    running_part = run2.mean() - precise2.mean()
    assert running_part < training_part, (running_part, training_part)

