"""Notebook 06's sentences against the results ``long_runs.py`` saved (not claim tests: they check that
the prose states what the saved runs give; the claims are re-derived on new seeds in
``tests/claims/test_l06_batch_norm_benefits_claims.py``)."""

import numpy as np
import pytest

from normlib.lessons import l06_batch_norm_benefits as lesson


@pytest.fixture(scope="module")
def res():
    return lesson.saved_results()


def pct_range(values):
    return round(100 * np.nanmin(values)), round(100 * np.nanmax(values))


def test_the_learning_rate_sweep_as_the_notebook_states_it(res):
    """Cells 14 and 35: "every seed at 1, 2, 2.83 and 4 … at 8 … 10–93% … from 11.3 on it fails. With BN
    every seed trains from 0.031 to 22.6, and 6 of 8 at 32; from 45 on it fails … 5.7× for the median
    seed, 4–5.7× here … between about 3× and 8× … 68–75% at 0.25, where BN is at 95–97%"."""
    sw = res.sweep
    assert len(sw.seeds) == 8
    acc = {net: sw.final_accuracy(net) for net in lesson.NETWORKS}
    col = {lr: i for i, lr in enumerate(sw.lrs)}
    ok = {net: np.nan_to_num(acc[net]) >= 0.9 for net in lesson.NETWORKS}
    assert all(ok["plain"][:, col[lr]].all() for lr in (1.0, 2.0, 4.0)) and ok["plain"][:, col[2.0 * np.sqrt(2)]].all()
    assert pct_range(acc["plain"][:, col[8.0]]) == (10, 93)
    assert not ok["plain"][:, col[8.0] + 1:].any()
    assert ok["bn"][:, :col[16.0 * np.sqrt(2)] + 1].all() and ok["bn"][:, col[32.0]].sum() == 6
    assert not ok["bn"][:, col[32.0] + 1:].any()
    ratio = np.array(sw.largest_lr("bn")) / np.array(sw.largest_lr("plain"))
    assert np.median(ratio) == pytest.approx(4 * np.sqrt(2)) and ratio.min() == pytest.approx(4.0)
    assert ratio.max() == pytest.approx(4 * np.sqrt(2))
    assert (ratio.min() / np.sqrt(2), ratio.max() * np.sqrt(2)) == pytest.approx((2 * np.sqrt(2), 8.0))
    assert np.median(sw.largest_lr("plain")) == pytest.approx(4 * np.sqrt(2)) and np.median(sw.largest_lr("bn")) == 32
    assert pct_range(acc["plain"][:, col[0.25]]) == (68, 75) and pct_range(acc["bn"][:, col[0.25]]) == (95, 97)


def test_steps_to_90_percent_as_the_notebook_states_them(res):
    """Cells 20 and 35: "without BN lr 4, with BN lr 1.41 … about 32 steps … about 278 … about 9× fewer
    (per seed 6–12×) … no rate brings it below 225 steps for any seed"."""
    sw = res.sweep
    (lr_p, s_p), (lr_b, s_b) = sw.best_lr("plain", 0.9), sw.best_lr("bn", 0.9)
    assert (lr_p, lr_b) == (4.0, pytest.approx(np.sqrt(2)))
    assert (round(s_p.mean()), round(s_b.mean())) == (278, 32)
    assert round(s_p.mean() / s_b.mean()) == 9 and (round((s_p / s_b).min()), round((s_p / s_b).max())) == (6, 12)
    assert np.nanmin(sw.steps_to("plain", 0.9)) == 225


def gain(res, a, b, step):
    return 100 * np.array([x.accuracy_at(step) - y.accuracy_at(step)
                           for x, y in zip(res.regularization[a], res.regularization[b])])


def test_dropout_as_the_notebook_states_it(res):
    """Cells 30 and 35: "After 500 steps dropout made no difference … about 0.9 points at 3,000 steps (no
    seed loses) … BN + dropout about 0.5 below BN at 2,000 (6 of 8 lower, two equal) and 0.6 at 3,000 …
    1.0 point behind after 500 steps, 99.2% training accuracy against 99.9% … BN beats plain + dropout
    at every checkpoint, by about 1.5 at 3,000 (every seed) … the plain network by about 2.3"."""
    assert len(res.regularization["plain"]) == 8
    assert abs(gain(res, "dropout", "plain", 500).mean()) < 0.5
    g = gain(res, "dropout", "plain", 3000)
    assert round(g.mean(), 1) == 0.9 and g.min() >= 0
    g = gain(res, "BN + dropout", "BN", 2000)
    assert round(g.mean(), 1) == -0.5 and (g < 0).sum() == 6 and (g == 0).sum() == 2
    assert round(gain(res, "BN + dropout", "BN", 3000).mean(), 1) == -0.6
    assert round(gain(res, "BN + dropout", "BN", 500).mean(), 1) == -1.0
    train500 = {n: np.mean([100 * r.accuracy_at(500, "train") for r in res.regularization[n]]) for n in ("BN", "BN + dropout")}
    assert (round(train500["BN + dropout"], 1), round(train500["BN"], 1)) == (99.2, 99.9)
    for step in (500, 1000, 2000, 3000):
        assert (gain(res, "BN", "dropout", step) > 0).all()
    assert abs(gain(res, "BN", "dropout", 3000).mean() - 1.5) < 0.1 and round(gain(res, "BN", "plain", 3000).mean(), 1) == 2.3
    assert all(r.final_train_accuracy == 1.0 for runs in res.regularization.values() for r in runs)


def test_weight_decay_as_the_notebook_states_it(res):
    """Cell 33: "+0.3 points on average (+0.2 to +0.4 per seed), in every seed" (plain, 10⁻⁴, 5 seeds);
    "no λ helps the BN network"; "BN keeps 57–81%" at 10⁻²; the plain network at chance there."""
    wd, lams = res.weight_decay, res.weight_decays
    final = lambda net, lam: np.array([r.final_test_accuracy for r in wd[net][lams.index(lam)]])
    g = 100 * (final("plain", 1e-4) - final("plain", 0.0))
    assert round(g.mean(), 1) == 0.3 and (g > 0).all() and (round(g.min(), 1), round(g.max(), 1)) == (0.2, 0.4)
    means = [final("bn", lam).mean() for lam in lams]
    assert max(means[1:]) <= means[0]
    assert pct_range(final("bn", 1e-2)) == (57, 81) and final("plain", 1e-2).max() < 0.15
