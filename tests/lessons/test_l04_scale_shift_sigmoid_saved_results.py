"""Notebook 04's sentences against the results ``long_runs.py`` saved (not claim tests: they check that
the prose states what the saved runs give; the claims are re-derived on new seeds in
``tests/claims/test_l04_scale_shift_sigmoid_claims.py``). One light re-run ties the file to the code."""

import numpy as np
import pytest

from normlib.lessons.l04_scale_shift_sigmoid import experiments as S


@pytest.fixture(scope="module")
def R():
    return S.load_results()


def first_90(run):
    hit = [s for s, a in zip(run["steps"], run["test_accuracy"]) if a >= 0.9]
    return hit[0] if hit else np.inf


def acc(runs, step):
    return np.array([100 * r["test_accuracy"][r["steps"].index(step)] for r in runs])


def test_red_and_blue_as_the_notebook_states_them(R):
    """Cells 12 and 30: "9–30% at step 100, against 93–97% … after about 550 steps (450–600) … 88–97%
    against 95–98% … 34–55% at step 600 … about 1,500 steps (1,050–1,700) … back at 56% … 89–99%"."""
    assert len(R["settings"]["red_blue"]["seeds"]) == 10
    rb5, rb1 = R["red_blue"]["0.5"], R["red_blue"]["0.1"]
    assert (round(acc(rb5["red"], 100).min()), round(acc(rb5["red"], 100).max())) == (9, 30)
    assert (round(acc(rb5["blue"], 100).min()), round(acc(rb5["blue"], 100).max())) == (93, 97)
    f5 = [first_90(r) for r in rb5["red"]]
    assert (np.median(f5), min(f5), max(f5)) == (550, 450, 600)
    assert (round(acc(rb5["red"], 600).min()), round(acc(rb5["red"], 600).max())) == (88, 97)
    assert (round(acc(rb5["blue"], 600).min()), round(acc(rb5["blue"], 600).max())) == (95, 98)
    assert (round(acc(rb1["red"], 600).min()), round(acc(rb1["red"], 600).max())) == (34, 55)
    f1 = [first_90(r) for r in rb1["red"]]
    assert (np.median(f1), min(f1), max(f1)) == (1500, 1050, 1700)
    assert round(acc(rb1["red"], 2000).min()) == 56
    assert (round(acc(rb5["red"], 2000).min()), round(acc(rb5["red"], 2000).max())) == (89, 99)
    assert all(first_90(r) <= 100 for lr in ("0.1", "0.5") for r in R["red_blue"][lr]["blue"])
    beta600 = [r["mean_beta"][12][2] for r in rb5["red"]]
    assert 3.15 <= min(beta600) and max(beta600) < 3.35                  # "3.2–3.3 … every seed"
    assert all(abs(r["mean_beta"][12][2] - 3.9) < 0.06 for r in rb1["red"])   # "only to about 3.9"


def test_the_gradient_ratios_as_the_notebook_states_them(R):
    """Cell 12: "about 3.7×, 4.4× and 5.7× at layers 1, 2 and 3 (medians; 2.9–7.3 in all) … layer 1
    … loses less than layer 3 in every seed … 3.25 against 1.14" (the last: seed 0)."""
    blue, red = np.array(R["grad_norms"]["blue"]), np.array(R["grad_norms"]["red"])
    ratio = blue[:, :3] / red[:, :3]
    np.testing.assert_allclose(np.median(ratio, axis=0), [3.7, 4.4, 5.7], atol=0.05)
    assert (round(ratio.min(), 1), round(ratio.max(), 1)) == (2.9, 7.3)
    assert np.all(ratio[:, 0] < ratio[:, 2])
    assert (round(red[0, 3], 2), round(blue[0, 3], 2)) == (3.25, 1.14)


def test_the_saved_gradient_norms_are_what_the_code_gives(R):
    for s in (0, 7):
        for name, beta0 in (("blue", 0.0), ("red", 4.0)):
            np.testing.assert_allclose(S.initial_grad_norms(beta0, seed=s), R["grad_norms"][name][s], rtol=1e-6)


def test_a_saved_blue_run_is_what_the_code_gives(R):
    """The blue network is far from any chaotic phase: a re-run agrees with the saved run (± 3 points)."""
    run = S.train_bn_mlp("sigmoid", beta0=0.0, lr=0.5, steps=300, seed=0, eval_every=50)
    saved = R["red_blue"]["0.5"]["blue"][0]
    for step in (100, 300):
        assert run.test_accuracy[run.steps.index(step)] == pytest.approx(
            saved["test_accuracy"][saved["steps"].index(step)], abs=0.03)


def test_the_five_seed_ablation_as_the_notebook_states_it(R):
    """Cells 29 and 30: "the means differ by at most 0.5 points … less than half the min–max range …
    training loss 1.5–3.6× lower, every seed and rate … at lr 0.1 about 20% lower (ReLU)"."""
    A = R["ablation"]
    for act in ("sigmoid", "relu"):
        for lr in ("0.1", "0.5", "2.0"):
            acc_ = {aff: np.array([r["test_accuracy"][-1] for r in A[act][lr][aff]]) for aff in ("True", "False")}
            loss = {aff: np.array([r["final_loss"] for r in A[act][lr][aff]]) for aff in ("True", "False")}
            gap = abs(acc_["True"].mean() - acc_["False"].mean())
            spread = min(np.ptp(acc_["True"]), np.ptp(acc_["False"]))
            assert gap <= 0.005 and gap < spread / 2, (act, lr)
            if act == "sigmoid":
                assert np.all(loss["True"] < loss["False"]), lr
                assert 1.4 < loss["False"].mean() / loss["True"].mean() < 4.0, lr
    relu01 = {aff: np.array([r["final_loss"] for r in A["relu"]["0.1"][aff]]) for aff in ("True", "False")}
    assert np.all(relu01["True"] < relu01["False"])
    assert 1.1 < relu01["False"].mean() / relu01["True"].mean() < 1.4
