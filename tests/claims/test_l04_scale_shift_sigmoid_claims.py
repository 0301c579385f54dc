"""Every experimental sentence of notebook 04, re-derived on 3 seeds (0, 1, 2), and the saved 5-seed
results of ``long_runs.py`` checked against this re-run. Training in float64 with the notebook's
settings (red/blue: 600 steps at lr 0.1 and 0.5, and 2,000 at lr 0.1 for the red network; the
ablation at lr 0.5, 1,500 steps). About 30 s on an idle core."""

import math

import numpy as np
import pytest

from normlib.lessons.l04_scale_shift_sigmoid import experiments as S

SEEDS = (0, 1, 2)


def at(rb, name, step):
    return rb.test_accuracy[name][list(rb.steps).index(step)]


@pytest.fixture(scope="module")
def red_blue():
    return {(lr, s): S.red_blue(lr=lr, seed=s) for lr in (0.1, 0.5) for s in SEEDS}


# -- red and blue ------------------------------------------------------------------------------------
def test_claim_red_sigmoids_start_passing_back_about_8x_less_gradient(red_blue):
    for s in SEEDS:
        rb = red_blue[0.5, s]
        ratio = rb.mean_slope["blue"][0] / rb.mean_slope["red"][0]
        assert np.all(ratio > 7) and np.all(ratio < 13), (s, ratio)
        assert np.all(rb.mean_slope["red"][0] < 0.03) and np.all(rb.mean_slope["blue"][0] > 0.2), s


def test_claim_early_layers_lose_3_to_6x_not_8_64_512x_and_layer_1_loses_least(red_blue):
    for s in SEEDS:
        g = red_blue[0.5, s].grad_norms
        ratio = g["blue"][:3] / g["red"][:3]
        assert np.all((ratio > 2.5) & (ratio < 6.5)), (s, ratio)
        assert np.argmin(ratio) == 0, (s, ratio)                      # layer 1 attenuated least
        assert g["red"][3] > 2 * g["blue"][3], s                      # the output layer's is larger


def test_claim_at_lr_05_red_plateaus_then_reaches_90_percent_by_step_600(red_blue):
    for s in SEEDS:
        rb = red_blue[0.5, s]
        assert at(rb, "red", 100) < 0.35, s                           # near chance at first
        assert at(rb, "red", 600) >= 0.895, s                         # "90–97% at step 600" (89.98% rounds to 90)
        assert at(rb, "blue", 100) >= 0.9 and at(rb, "blue", 600) >= 0.94, s
        first = rb.steps[np.argmax(rb.test_accuracy["red"] >= 0.9)]
        assert 400 <= first <= 600, (s, first)                        # "between steps 450 and 550"


def test_claim_at_lr_01_red_is_far_behind_at_600_steps(red_blue):
    for s in SEEDS:
        rb = red_blue[0.1, s]
        assert at(rb, "red", 600) < 0.6, s                            # "34–55% at step 600"
        assert at(rb, "blue", 600) > 0.94, s
        assert at(rb, "blue", 100) >= 0.9, s


def test_claim_red_learns_while_still_saturated(red_blue):
    for s in SEEDS:
        assert np.all(red_blue[0.1, s].beta_mean["red"][-1] > 3.8), s     # "only to about 3.9"
        assert np.all(red_blue[0.5, s].beta_mean["red"][-1] > 3.1), s     # "3.2–3.3" (layer 3)
        assert np.all(red_blue[0.5, s].mean_slope["red"][-1] < 0.06), s   # still on the flat part


def test_claim_at_lr_01_red_reaches_90_percent_only_after_1300_to_1600_steps():
    for s in SEEDS:
        run = S.train_bn_mlp("sigmoid", beta0=4.0, lr=0.1, steps=2000, seed=s)
        acc = np.array(run.test_accuracy)
        first = run.steps[int(np.argmax(acc >= 0.9))]
        assert acc.max() >= 0.9 and 1200 <= first <= 1700, (s, first)
        assert run.mean_beta[-1][2] > 3.5, s                              # "3.7"


# -- learned γ, β ------------------------------------------------------------------------------------
def test_claim_the_data_widened_the_last_layer_and_hardly_shifted_anything():
    for s in SEEDS:
        L = S.learned_scale_shift(seed=s)
        assert 1.35 < L.gamma[2].mean() < 1.6, s                          # "grew by about half"
        assert all(g.mean() < 1.15 for g in L.gamma[:2]), s
        assert all(abs(b.mean()) < 0.03 for b in L.beta), s
        assert S.sigmoid_measures(L.after[2])["near_linear"] < 0.4, s      # "about a third"


def test_claim_relu_network_keeps_about_half_its_units_active():
    for s in SEEDS:
        L = S.learned_scale_shift("relu", seed=s)
        active = [np.mean(a > 0) for a in L.after]
        assert all(0.4 < f < 0.55 for f in active), (s, active)
        assert active[2] < active[0], s                                   # "a little less in the last"


# -- the measures on distributions -------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_claim_centred_inputs_keep_the_sigmoid_nearly_linear(seed):
    z = np.random.default_rng(seed).standard_normal(100_000)
    m = {k: S.sigmoid_measures(x) for k, x in
         {"blue": z, "half": 0.5 * z, "g2": 2 * z, "g3": 3 * z, "b2": 2 + z, "red": 4 + z}.items()}
    assert m["blue"]["r2"] > 0.98 and round(m["red"]["r2"], 2) == 0.68
    assert m["half"]["r2"] > m["blue"]["r2"] > m["g2"]["r2"] > m["g3"]["r2"]
    assert m["blue"]["r2"] > m["b2"]["r2"] > m["red"]["r2"]
    assert m["blue"]["mean_slope"] > 7 * m["red"]["mean_slope"]


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_relu_r2_rises_with_beta_while_the_slope_varies_most_when_centred(seed):
    z = np.random.default_rng(seed).standard_normal(100_000)
    m = [S.relu_measures(b + z) for b in (-2, -1, 0, 1, 2)]
    r2 = [x["r2"] for x in m]
    assert all(a < b for a, b in zip(r2, r2[1:]))                         # centring is not the R² minimum
    assert int(np.argmax([x["slope_var"] for x in m])) == 2


# -- the γ/β ablation --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ablation():
    return {(act, affine): [S.train_bn_mlp(act, affine=affine, lr=0.5, steps=1500, seed=s, eval_every=1500)
                            for s in SEEDS]
            for act in ("sigmoid", "relu") for affine in (True, False)}


def test_claim_without_gamma_and_beta_test_accuracy_is_the_same_within_the_seed_spread(ablation):
    for act in ("sigmoid", "relu"):
        a = np.array([r.test_accuracy[-1] for r in ablation[act, True]])
        b = np.array([r.test_accuracy[-1] for r in ablation[act, False]])
        assert abs(a.mean() - b.mean()) < 0.01, act                       # "at most 0.5 points" (5 seeds)
        assert a.min() > 0.95 and b.min() > 0.95, act


def test_claim_gamma_and_beta_make_the_sigmoid_network_fit_its_training_set_faster(ablation):
    a = np.array([r.final_loss for r in ablation["sigmoid", True]])
    b = np.array([r.final_loss for r in ablation["sigmoid", False]])
    assert np.all(a < b) and b.mean() > 1.5 * a.mean()


def test_claim_the_saved_sweeps_agree_with_this_rerun(red_blue, ablation):
    R = S.load_results()
    for lr in (0.1, 0.5):
        for s in SEEDS:
            for name in ("blue", "red"):
                saved = R["red_blue"][str(lr)][name][s]
                rb = red_blue[lr, s]
                if (lr, name) == (0.5, "red"):
                    # the climb off the plateau is chaotic (rounding differences grow; the notebook
                    # says so): compare when it crosses 90% and where it ends, not each evaluation
                    first = lambda steps, acc: steps[int(np.argmax(np.asarray(acc) >= 0.9))]
                    assert abs(first(rb.steps, rb.test_accuracy[name])
                               - first(saved["steps"], saved["test_accuracy"])) <= 100, (lr, s)
                    assert at(rb, name, 600) >= 0.895 and saved["test_accuracy"][12] >= 0.895, (lr, s)
                    continue
                for step in (100, 300, 600):
                    got = at(rb, name, step)
                    assert got == pytest.approx(saved["test_accuracy"][saved["steps"].index(step)], abs=0.03), (lr, s, name, step)
    for (act, affine), runs in ablation.items():
        for s, run in zip(SEEDS, runs):
            saved = R["ablation"][act]["0.5"][str(affine)][s]
            assert run.test_accuracy[-1] == pytest.approx(saved["test_accuracy"][-1], abs=0.01), (act, affine, s)
            assert run.final_loss == pytest.approx(saved["final_loss"], rel=0.1, abs=1e-4), (act, affine, s)


def test_claim_the_five_seed_ablation_at_every_learning_rate():
    """The ablation's sentences over the saved 5 seeds and 3 learning rates (the re-run above ties
    the saved runs to the code)."""
    A = S.load_results()["ablation"]
    for act in ("sigmoid", "relu"):
        for lr in ("0.1", "0.5", "2.0"):
            acc = {aff: np.array([r["test_accuracy"][-1] for r in A[act][lr][aff]]) for aff in ("True", "False")}
            loss = {aff: np.array([r["final_loss"] for r in A[act][lr][aff]]) for aff in ("True", "False")}
            gap = abs(acc["True"].mean() - acc["False"].mean())
            spread = min(np.ptp(acc["True"]), np.ptp(acc["False"]))       # min–max over the seeds
            assert gap <= 0.005 and gap < spread / 2, (act, lr)
            if act == "sigmoid":                                  # every seed, every rate: 1.5–3.6×
                assert np.all(loss["True"] < loss["False"]), lr
                assert 1.4 < loss["False"].mean() / loss["True"].mean() < 4.0, lr
    relu01 = {aff: np.array([r["final_loss"] for r in A["relu"]["0.1"][aff]]) for aff in ("True", "False")}
    assert np.all(relu01["True"] < relu01["False"])                # "about 20% lower at lr 0.1"
    assert 1.1 < relu01["False"].mean() / relu01["True"].mean() < 1.4
