"""Every experimental sentence of notebook 02, re-derived on 3 seeds (0, 1, 2) with the notebook's
settings (figure1: 4 networks × 2,000 steps, float64), and the saved 5-seed results of
``long_runs.py`` checked against this re-run. About 20 s on an idle core."""

import numpy as np
import pytest

from normlib.lessons.l02_internal_covariate_shift import experiments as ics

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def runs():
    return {s: ics.summarize(ics.figure1(seed=s)) for s in SEEDS}


def test_claim_bn_reaches_90_percent_far_sooner_and_ends_higher(runs):
    for s, r in runs.items():
        assert r["bn"]["step90"] <= 80, s                             # "90% at step 40–80"
        assert r["plain"]["step90"] >= 4 * r["bn"]["step90"], s       # "against 360–480"
        assert r["bn"]["final_acc"] > r["plain"]["final_acc"], s      # "BN is higher in every seed"


def test_claim_without_bn_the_input_spread_grows_many_fold_and_the_median_wanders(runs):
    for s, r in runs.items():
        p = r["plain"]
        assert p["spread_end"] / p["spread_start"] > 30, s            # "about 40–60-fold"
        assert p["median_abs_end"] > 0.3, s                           # "0.37–0.68 away from 0"


def test_claim_with_bn_the_median_stays_near_0_but_the_spread_grows_about_60_percent(runs):
    for s, r in runs.items():
        b = r["bn"]
        assert b["median_abs_end"] < 0.2, s                           # "within 0.15 at the end"
        assert 1.45 < b["spread_end"] / b["spread_start"] < 1.8, s    # "by about 60%": not "stays put"


def test_claim_noisy_bn_trains_like_bn(runs):
    for s, r in runs.items():
        assert abs(r["noisy_bn"]["final_acc"] - r["bn"]["final_acc"]) < 0.015, s
        assert r["noisy_bn"]["step90"] <= r["bn"]["step90"] + 40, s
        assert r["noisy_bn"]["step90"] * 4 <= r["plain"]["step90"], s


def test_claim_the_plain_network_with_the_same_noise_still_trains(runs):
    """Santurkar et al. (§2.1): the same noise "prevents it from training entirely". Not here."""
    for s, r in runs.items():
        assert r["noisy_plain"]["final_acc"] > 0.9, s
        assert abs(r["noisy_plain"]["final_acc"] - r["plain"]["final_acc"]) < 0.03, s
        assert r["noisy_plain"]["step90"] is not None and r["noisy_plain"]["step90"] <= 2 * r["plain"]["step90"], s


def test_claim_noisy_bn_inputs_move_more_than_without_bn_about_a_third_by_construction(runs):
    for s, r in runs.items():
        assert r["noisy_bn"]["median_move"] > 3 * r["plain"]["median_move"], s
        assert r["noisy_bn"]["median_move"] == pytest.approx(1 / 3, abs=0.05), s
        assert r["bn"]["median_move"] < r["plain"]["median_move"], s


def test_claim_bn_has_more_gradient_ics_than_the_plain_network(runs):
    for s, r in runs.items():
        for i in (0, 1):                                              # hidden layers 2 and 3
            assert r["bn"]["ics_l2"][i] > r["plain"]["ics_l2"][i], s
            assert r["bn"]["ics_cos"][i] < r["plain"]["ics_cos"][i], s


def test_claim_early_in_training_the_plain_networks_ics_is_near_zero(runs):
    for s, r in runs.items():
        assert r["plain"]["ics_l2_early"][0] < 0.03, s                # layer 2, steps 40–200
        assert r["bn"]["ics_l2_early"][0] > 0.25, s


def test_claim_with_bn_the_loss_varies_less_along_the_gradient_also_early(runs):
    for s, r in runs.items():
        assert r["bn"]["loss_range"] < r["plain"]["loss_range"] / 2, s
        assert r["bn"]["loss_range_early"] < r["plain"]["loss_range_early"] / 1.5, s


def test_claim_the_saved_five_seed_results_agree_with_this_rerun(runs):
    saved = ics.load_results()
    assert saved["settings"]["steps"] == 2000 and saved["settings"]["lr"] == 0.5
    for s in SEEDS:
        for name in ics.NETWORKS:
            a, b = runs[s][name], saved["runs"][str(s)][name]
            assert a["final_acc"] == pytest.approx(b["final_acc"], abs=0.01), (s, name)
            assert a["step90"] is not None and abs(a["step90"] - b["step90"]) <= 40, (s, name)
            assert a["spread_end"] == pytest.approx(b["spread_end"], rel=0.05), (s, name)
