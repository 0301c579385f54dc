"""Every experimental sentence of notebook 04, re-derived by re-running its experiment on 3 seeds: 0 and
two the saved results never used (10 and 11; ``long_runs.py`` saved seeds 0–9 of the red/blue runs and
0–4 of the ablation). Training in float64 with the notebook's settings (red/blue: 600 steps at lr 0.1
and 0.5, and 2,000 at lr 0.1 for the red network; the ablation: 1,500 steps at lr 0.1, 0.5 and 2.0,
the ReLU network at 0.1 and 0.5 only). Each check is a direction, a ranking, or a range with margin
around what 10 seeds give, so that it holds on any CPU: the climb off the red plateau is chaotic (on
the plateau rounding differences grow), so no check is tied to one step of it.

The checks that the notebook's numbers are the saved ones are in
``tests/lessons/test_l04_scale_shift_sigmoid_saved_results.py`` (not claims)."""

import numpy as np
import pytest

from normlib.lessons.l04_scale_shift_sigmoid import experiments as S

SEEDS = (0, 10, 11)


def at(rb, name, step):
    return rb.test_accuracy[name][list(rb.steps).index(step)]


def first_90(steps, acc):
    acc = np.asarray(acc)
    return steps[int(np.argmax(acc >= 0.9))] if acc.max() >= 0.9 else np.inf


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


def test_claim_early_layers_lose_a_few_times_not_512_64_8x_and_layer_1_less_than_layer_3(red_blue):
    """"smaller in the red network by 3–7× … not the 512×, 64× and 8× that three, two and one flat
    slopes would suggest … layer 1, the furthest from the loss, loses less than layer 3"."""
    ratios = []
    for s in SEEDS:
        g = red_blue[0.5, s].grad_norms
        ratio = g["blue"][:3] / g["red"][:3]
        ratios.append(ratio)
        assert np.all((ratio > 2) & (ratio < 10)), (s, ratio)         # 8×, 64×, 512× are far off
        assert ratio[0] < ratio[2], (s, ratio)                        # layer 1 loses less than layer 3
        assert g["red"][3] > 2 * g["blue"][3], s                      # the output layer's is larger
    med = np.median(ratios, axis=0)
    assert med[0] < med[1] < med[2], med


def test_claim_at_lr_05_red_plateaus_then_reaches_90_percent_after_about_550_steps(red_blue):
    """"stays far behind the blue one for the first hundred steps or so … first passes 90% after about
    550 steps (median of 10 seeds; 450–600)". One seed's step of passing 90% is chaotic (seed 11 is at
    75% at step 600 with OpenBLAS's Sandybridge kernels, at 90% or more with Haswell's): so each seed
    is run for 1,000 steps, and the median of the 3 seeds is checked, with each seed within 1,000."""
    firsts = []
    for s in SEEDS:
        rb = red_blue[0.5, s]
        assert at(rb, "red", 100) < 0.4 < 0.9 <= at(rb, "blue", 100), s     # far behind blue at first
        assert at(rb, "blue", 600) >= 0.94, s
        # notebook 04 prints "above 50% at step 600" for its seed-0 run: "far above chance by step
        # 600". 10 saved seeds: 88–97% there (passing 90% is at the edge, so it is not printed)
        assert at(rb, "red", 600) > 0.5, s
        run = S.train_bn_mlp("sigmoid", beta0=4.0, lr=0.5, steps=1000, seed=s, eval_every=50)
        firsts.append(first_90(run.steps, run.test_accuracy))
        assert 300 <= firsts[-1] <= 1000, (s, firsts[-1])
    assert 400 <= np.median(firsts) <= 700, firsts


def test_claim_at_lr_01_red_is_far_behind_at_600_steps(red_blue):
    for s in SEEDS:
        rb = red_blue[0.1, s]
        assert at(rb, "red", 600) < 0.7, s                            # "34–55% at step 600" (5 seeds)
        assert at(rb, "blue", 600) > 0.94, s
        assert at(rb, "blue", 100) >= 0.9, s


def test_claim_red_learns_while_still_saturated(red_blue):
    for s in SEEDS:
        assert np.all(red_blue[0.1, s].beta_mean["red"][-1] > 3.8), s     # "only to about 3.9"
        assert np.all(red_blue[0.5, s].beta_mean["red"][-1] > 3.1), s     # "3.2–3.3" (layer 3)
        assert np.all(red_blue[0.5, s].mean_slope["red"][-1] < 0.06), s   # still on the flat part


def test_claim_at_lr_01_red_reaches_90_percent_only_after_about_three_times_as_long():
    firsts = []
    for s in SEEDS:
        run = S.train_bn_mlp("sigmoid", beta0=4.0, lr=0.1, steps=2000, seed=s)
        firsts.append(first_90(run.steps, run.test_accuracy))
        assert firsts[-1] >= 800, (s, firsts[-1])                         # far beyond lr 0.5's ≤ 600
        assert run.mean_beta[-1][2] > 3.5, s                              # "3.7"
    assert 1100 <= np.median(firsts) <= 1900, firsts                    # about 3× the 550 at lr 0.5


# -- learned γ, β ------------------------------------------------------------------------------------
def test_claim_the_data_widened_the_last_layer_and_hardly_shifted_anything():
    for s in SEEDS:
        L = S.learned_scale_shift(seed=s)
        assert 1.3 < L.gamma[2].mean() < 1.7, s                           # "grew by about half"
        assert all(g.mean() < 1.2 for g in L.gamma[:2]), s
        assert all(abs(b.mean()) < 0.05 for b in L.beta), s
        assert S.sigmoid_measures(L.after[2])["near_linear"] < 0.45, s     # "about a third"


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
ABLATION_RATES = {"sigmoid": (0.1, 0.5, 2.0), "relu": (0.1, 0.5)}


@pytest.fixture(scope="module")
def ablation():
    return {(act, lr, affine): [S.train_bn_mlp(act, affine=affine, lr=lr, steps=1500, seed=s, eval_every=1500)
                                for s in SEEDS]
            for act, lrs in ABLATION_RATES.items() for lr in lrs for affine in (True, False)}


def test_claim_without_gamma_and_beta_test_accuracy_is_the_same_within_the_seed_spread(ablation):
    """"the means differ by at most 0.5 points … the sign of the difference changes": on 3 seeds, the
    means differ by less than 1.2 points (a 3-seed mean carries about ±0.4 points of seed noise)."""
    for act, lrs in ABLATION_RATES.items():
        for lr in lrs:
            a = np.array([r.test_accuracy[-1] for r in ablation[act, lr, True]])
            b = np.array([r.test_accuracy[-1] for r in ablation[act, lr, False]])
            assert abs(a.mean() - b.mean()) < 0.012, (act, lr, a, b)
            assert a.min() > 0.94 and b.min() > 0.94, (act, lr)


def test_claim_gamma_and_beta_make_the_sigmoid_network_fit_its_training_set_faster(ablation):
    """"a lower training loss at every learning rate and in every seed (1.5–3.6× lower on average)"."""
    for lr in ABLATION_RATES["sigmoid"]:
        a = np.array([r.final_loss for r in ablation["sigmoid", lr, True]])
        b = np.array([r.final_loss for r in ablation["sigmoid", lr, False]])
        assert np.all(a < b) and b.mean() > 1.3 * a.mean(), (lr, a, b)


def test_claim_relu_gains_at_most_a_little_from_gamma_and_beta(ablation):
    """"At lr 0.1 the training loss is about 20% lower with γ, β (in every seed); at 0.5 … no
    consistent difference"."""
    a = np.array([r.final_loss for r in ablation["relu", 0.1, True]])
    b = np.array([r.final_loss for r in ablation["relu", 0.1, False]])
    assert np.all(a < b) and 1.05 < b.mean() / a.mean() < 1.6, (a, b)
    a = np.array([r.final_loss for r in ablation["relu", 0.5, True]])
    b = np.array([r.final_loss for r in ablation["relu", 0.5, False]])
    assert b.mean() / a.mean() < 1.5, (a, b)                              # no sigmoid-like gap


# -- diagnose: saturated units and the gradient that reaches them --------------------------------------
def test_claim_red_network_is_saturated_in_every_layer_more_in_deeper_ones_and_gets_less_gradient():
    """"The red network is saturated in every layer — most of its sigmoid inputs, more in the deeper
    layers — and the blue one almost nowhere. The gradient that reaches the red sigmoids is smaller in
    every layer, most in the last one." (normlib.diagnostics.diagnose at the start, saturated: slope
    below a tenth of its peak.) On the notebook's batch (the first 60 training digits) and on another
    batch of 60, for the weights of seeds 0, 10 and 11."""
    from normlib import load_digits
    from normlib.diagnostics import diagnose
    d = load_digits(dtype=np.float64)
    for X, y in ((d.X_train[:60], d.y_train[:60]), (d.X_train[600:660], d.y_train[600:660])):
        for s in SEEDS:
            blue, red = (diagnose(S.bn_mlp("sigmoid", beta0=b, seed=s), X, y, saturation=0.1).layers
                         for b in (0.0, 4.0))
            sat = np.array([r.saturated for r in red])
            assert np.all(sat > 0.5) and np.all(np.diff(sat) > 0), (s, sat)       # most, rising with depth
            assert all(b.saturated < 0.02 for b in blue), s                       # blue: almost nowhere
            ratio = np.array([b.grad_std / r.grad_std for b, r in zip(blue, red)])
            assert np.all(ratio > 1.2) and ratio[-1] == ratio.max(), (s, ratio)  # smaller, most in the last
