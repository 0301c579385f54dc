"""Every experimental sentence of notebook 02, re-derived by re-running the experiment on 3 seeds —
one the saved results used (1) and two they did not (5, 8) — with the notebook's settings (figure1: 4
networks × 2,000 steps, float64; about 20 s on an idle core). Thresholds leave a margin over what seeds
0–9 gave (measured once: see the comments). That the notebook's prose matches the saved 5-seed results
is checked in tests/lessons/test_l02_internal_covariate_shift_saved_results.py (not claims)."""

import numpy as np
import pytest

from normlib.lessons.l02_internal_covariate_shift import experiments as ics

SEEDS = (1, 5, 8)


@pytest.fixture(scope="module")
def runs():
    return {s: ics.summarize(ics.figure1(seed=s)) for s in SEEDS}


def mean(runs, name, key):
    return np.mean([r[name][key] for r in runs.values()])


def test_claim_bn_reaches_90_percent_far_sooner_and_ends_higher_on_average(runs):
    for s, r in runs.items():
        assert r["bn"]["step90"] <= 120, s                            # 40–80 over seeds 0–9
        assert r["plain"]["step90"] >= 3 * r["bn"]["step90"], s       # 360–480 against 40–80: ≥ 4.5×
    assert mean(runs, "bn", "final_acc") > mean(runs, "plain", "final_acc")   # higher in 9 of 10 seeds, not all


def test_claim_without_bn_the_input_spread_grows_many_fold_and_the_median_wanders(runs):
    for s, r in runs.items():
        p = r["plain"]
        assert p["spread_end"] / p["spread_start"] > 25, s            # 41–58-fold over seeds 0–9
        assert p["median_abs_end"] > 0.25, s                          # 0.33–0.97


def test_claim_with_bn_the_median_stays_near_0_but_the_spread_grows_about_60_percent(runs):
    for s, r in runs.items():
        b = r["bn"]
        assert b["median_abs_end"] < 0.25 and b["median_abs_end"] < r["plain"]["median_abs_end"] / 1.5, s   # 0.10–0.19
        assert 1.4 < b["spread_end"] / b["spread_start"] < 1.85, s    # ×1.56–1.67: not "stays put"


def test_claim_noisy_bn_trains_like_bn(runs):
    for s, r in runs.items():
        assert abs(r["noisy_bn"]["final_acc"] - r["bn"]["final_acc"]) < 0.015, s     # ≤ 0.7 points
        assert r["noisy_bn"]["step90"] <= r["bn"]["step90"] + 40, s
        assert r["noisy_bn"]["step90"] * 4 <= r["plain"]["step90"], s


def test_claim_the_plain_network_with_the_same_noise_trains_and_reaches_90_percent_no_later(runs):
    """Santurkar et al. (§2.1): the same noise "prevents it from training entirely". Not here: it
    trains, and it even reaches 90 % sooner on average (never later in seeds 0–9)."""
    for s, r in runs.items():
        assert r["noisy_plain"]["final_acc"] > 0.9, s
        assert abs(r["noisy_plain"]["final_acc"] - r["plain"]["final_acc"]) < 0.02, s   # −0.3 … +0.7 points
        assert r["noisy_plain"]["step90"] <= r["plain"]["step90"], s
    assert mean(runs, "noisy_plain", "step90") < mean(runs, "plain", "step90")


def test_claim_noisy_bn_inputs_move_more_than_without_bn_about_a_third_by_construction(runs):
    for s, r in runs.items():
        assert r["noisy_bn"]["median_move"] > 3 * r["plain"]["median_move"], s
        assert r["noisy_bn"]["median_move"] == pytest.approx(1 / 3, abs=0.05), s
        assert r["bn"]["median_move"] < r["plain"]["median_move"], s


def test_claim_by_the_papers_ics_bn_has_more_at_layer_2_and_similar_at_layer_3(runs):
    """Definition 2.1 (‖G − G′‖₂): larger with BN at layer 2 in every seed (×1.8–8 over seeds 0–9); at
    layer 3 within a factor 2.5 either way (BN lower in 4 of 10 seeds). Divided by ‖G‖, and by the cosine,
    BN's is larger at both layers in every seed."""
    for s, r in runs.items():
        p, b = r["plain"], r["bn"]
        assert b["ics_diff"][0] > 1.3 * p["ics_diff"][0], s
        assert 1 / 2.5 < b["ics_diff"][1] / p["ics_diff"][1] < 2.5, s
        for i in (0, 1):                                              # hidden layers 2 and 3
            assert b["ics_l2"][i] > p["ics_l2"][i], s
            assert b["ics_cos"][i] < p["ics_cos"][i], s


def test_claim_early_in_training_the_plain_networks_ics_is_near_zero(runs):
    for s, r in runs.items():
        assert r["plain"]["ics_l2_early"][0] < 0.03, s                # layer 2, steps 40–200: ≤ 0.015
        assert r["bn"]["ics_l2_early"][0] > 0.25, s                   # ≥ 0.30
        assert r["bn"]["ics_diff_early"][0] > 10 * r["plain"]["ics_diff_early"][0], s   # also by ‖G − G′‖


def test_claim_step_for_step_bn_varies_less_along_the_gradient_but_not_at_equal_loss(runs):
    for s, r in runs.items():
        assert r["bn"]["loss_range"] < r["plain"]["loss_range"] / 1.5, s              # ×0.1–0.45
        assert r["bn"]["loss_range_early"] < r["plain"]["loss_range_early"] / 1.3, s  # ×0.1–0.6
    # at equal loss on the same batch (all evaluations of the 3 seeds, binned by that loss), BN's
    # range is not smaller: BN / plain medians 1.1–1.9 in these bins for any 3 of seeds 0–9
    for lo, hi in ((0.01, 0.03), (0.03, 0.1)):
        med = {}
        for name in ("plain", "bn"):
            loss = np.concatenate([r[name]["batch_loss"] for r in runs.values()])
            rng_ = np.concatenate([r[name]["loss_range_each"] for r in runs.values()])
            inside = (loss >= lo) & (loss < hi)
            assert inside.sum() >= 5, (name, lo)
            med[name] = np.median(rng_[inside])
        assert med["bn"] > 0.75 * med["plain"], (lo, med)


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_at_the_start_no_saturation_but_the_plain_networks_first_layer_gets_20x_less_gradient(seed):
    """The diagnosis of the two fresh networks (the notebook: seed 0, the first 60 training digits):
    practically no sigmoid input is saturated in either; without BN the gradient reaching hidden layer
    1 is about 20 times weaker than at hidden layer 3 (17–20× over seeds 0–9), with BN about the same
    (0.8–0.9); one SGD step changes the plain network's first weights by about a thousandth of their
    size (1.1–1.3e-3), BN's by far more (2.7–3.6e-2)."""
    import normlib as nl
    from normlib.diagnostics import diagnose
    d = nl.load_digits(seed=seed, dtype=np.float64)
    dg = {name: diagnose(ics.sigmoid_mlp(name, seed=seed), d.X_train[:60], d.y_train[:60], lr=0.5)
          for name in ("plain", "bn")}
    for name, g in dg.items():
        assert max(rep.saturated for rep in g.layers) < 0.01, name          # ≤ 0.17% over seeds 0–9
    grad = {name: [rep.grad_std for rep in g.layers] for name, g in dg.items()}
    assert 12 < grad["plain"][2] / grad["plain"][0] < 30
    assert 0.5 < grad["bn"][2] / grad["bn"][0] < 1.5
    assert 5e-4 < dg["plain"].update_ratio["0.weight"] < 2.5e-3
    assert dg["bn"].update_ratio["0.weight"] > 10 * dg["plain"].update_ratio["0.weight"]
