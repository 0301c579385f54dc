"""Not claims: the saved 5-seed results of ``long_runs.py`` (seeds 0–4) against a re-run of seed 0 with
today's code, and the numbers notebook 02's prose quotes from them. Claims — what holds for seeds in
general — are re-derived in tests/claims/test_l02_internal_covariate_shift_claims.py."""

import numpy as np
import pytest

from normlib.lessons.l02_internal_covariate_shift import experiments as ics


@pytest.fixture(scope="module")
def saved():
    return ics.load_results()


def values(saved, name, key, index=None):
    v = [saved["runs"][str(s)][name][key] for s in saved["seeds"]]
    return np.array(v if index is None else [x[index] for x in v], dtype=float)


def test_seed_0_rerun_reproduces_the_saved_run(saved):
    run = ics.summarize(ics.figure1(seed=0))
    for name in ics.NETWORKS:
        a, b = run[name], saved["runs"]["0"][name]
        assert a["final_acc"] == pytest.approx(b["final_acc"], abs=0.01), name
        assert a["step90"] is not None and abs(a["step90"] - b["step90"]) <= 40, name
        assert a["spread_end"] == pytest.approx(b["spread_end"], rel=0.05), name
    for name in ("plain", "bn"):
        assert run[name]["ics_diff"] == pytest.approx(saved["runs"]["0"][name]["ics_diff"], rel=0.05)
        assert run[name]["loss_range"] == pytest.approx(saved["runs"]["0"][name]["loss_range"], rel=0.05)


def test_prose_figure1_numbers(saved):
    assert list(saved["seeds"]) == [0, 1, 2, 3, 4]
    assert set(values(saved, "bn", "step90")) <= {40, 80} and 360 <= values(saved, "plain", "step90").min()
    assert values(saved, "plain", "step90").max() <= 480                      # "40–80 against 360–480"
    acc_bn, acc_plain = values(saved, "bn", "final_acc"), values(saved, "plain", "final_acc")
    assert round(100 * acc_bn.mean(), 1) == 97.4 and round(100 * acc_plain.mean(), 1) == 95.5
    assert np.all(acc_bn > acc_plain)                                         # all 5 saved seeds (not 9 of 10)
    growth = values(saved, "plain", "spread_end") / values(saved, "plain", "spread_start")
    assert np.all((growth > 40) & (growth < 60))                              # "about 40–60-fold"
    assert np.round(values(saved, "plain", "median_abs_end"), 2).tolist() == [0.37, 0.38, 0.68, 0.40, 0.52]
    assert 0.10 <= np.round(values(saved, "bn", "median_abs_end"), 2).min()
    assert np.round(values(saved, "bn", "median_abs_end"), 2).max() <= 0.15
    bn_growth = values(saved, "bn", "spread_end") / values(saved, "bn", "spread_start")
    assert round(bn_growth.min(), 2) == 1.57 and round(bn_growth.max(), 2) == 1.67


def test_prose_noise_numbers(saved):
    assert np.all(values(saved, "noisy_bn", "step90") == 40)
    assert round(values(saved, "noisy_plain", "step90").mean()) == 352 and round(values(saved, "plain", "step90").mean()) == 432
    assert round(100 * values(saved, "noisy_plain", "final_acc").mean(), 1) == 95.9


def test_prose_ics_numbers(saved):
    larger = lambda key, i: int(np.sum(values(saved, "bn", key, i) > values(saved, "plain", key, i)))
    assert (larger("ics_diff", 0), larger("ics_diff", 1)) == (5, 2)          # "larger in 2 of 5 seeds"
    assert (larger("ics_l2", 0), larger("ics_l2", 1)) == (5, 5)
    assert values(saved, "plain", "ics_l2_early", 0).max() < 0.02 and values(saved, "bn", "ics_l2_early", 0).min() > 0.3


def test_prose_landscape_numbers(saved):
    assert np.round(values(saved, "bn", "loss_range"), 2).min() >= 0.01 and np.round(values(saved, "bn", "loss_range"), 2).max() <= 0.03
    assert np.round(values(saved, "plain", "loss_range"), 2).min() >= 0.07 and np.round(values(saved, "plain", "loss_range"), 2).max() <= 0.14
    early = lambda name: np.array([saved["runs"][str(s)][name]["batch_loss"][:5] for s in saved["seeds"]])   # steps 40–200
    assert 0.05 <= early("bn").min() and early("bn").max() <= 0.5                  # "0.05–0.5"
    assert 0.95 <= early("plain").min() and early("plain").max() <= 2.45           # "against 1–2.4"
    for lo, hi in ((0.01, 0.03), (0.03, 0.1), (0.1, 0.3)):                         # "at equal loss … no smaller"
        med = {}
        for name in ("plain", "bn"):
            loss = np.concatenate([saved["runs"][str(s)][name]["batch_loss"] for s in saved["seeds"]])
            rng_ = np.concatenate([saved["runs"][str(s)][name]["loss_range_each"] for s in saved["seeds"]])
            med[name] = np.median(rng_[(loss >= lo) & (loss < hi)])
        assert med["bn"] >= med["plain"], (lo, med)
