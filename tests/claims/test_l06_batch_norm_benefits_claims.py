"""Every experimental sentence of notebook 06, re-derived by re-training a reduced version of the saved
experiment on 3 seeds: 0 and two the saved results never used (10 and 11; ``long_runs.py`` saved seeds
0–7 of the learning-rate sweep and the regularization runs, 0–4 of the weight-decay sweep). Reduced:
the learning-rate claims at a few rates of the grid (each safely inside its regime, never at the
edge of divergence, where another CPU's summation order flips the outcome); the weight-decay claims
at 2,000 of the 3,000 steps. Each check is a direction, a ranking, or a range with margin around what
the saved seeds give, so that it holds on any CPU.

The checks that the notebook's numbers are the saved ones are in
``tests/lessons/test_l06_batch_norm_benefits_saved_results.py`` (not claims)."""

import numpy as np

from normlib.lessons import l06_batch_norm_benefits as lesson
from normlib.lessons.l06_batch_norm_benefits.experiments import REG_NAMES

SEEDS = (0, 10, 11)
R2 = float(np.sqrt(2))


def final(net, lr, seed, **kw):
    """Test accuracy after 400 steps (evaluated at the end only: the sweep's final value)."""
    return lesson.train(net, lr, 400, eval_every=400, seed=seed, **kw).final_test_accuracy


# ------------------------------------------------------------------------------------------------
# Larger learning rates
# ------------------------------------------------------------------------------------------------
def test_claim_bn_trains_at_learning_rates_several_times_larger():
    """"BN's largest trainable rate is several times the plain network's": for every seed the plain
    network trains at 4 and fails at 11.3, the BN network trains at 22.6 and fails at 64 — so the
    ratio of the largest trainable rates is more than 22.6/11.3 = 2 and less than 64/4 = 16, whatever
    the seed and the CPU (the saved 8 seeds give the median and range that the notebook states). The
    student's sweep: "only BN trains at 16 … neither at 64"."""
    for s in SEEDS:
        plain = {lr: final("plain", lr, s) for lr in (4.0, 8 * R2)}
        bn = {lr: final("bn", lr, s) for lr in (16 * R2, 64.0)}
        assert plain[4.0] >= 0.9 and plain[8 * R2] < 0.5, (s, plain)
        assert bn[16 * R2] >= 0.9 and bn[64.0] < 0.5, (s, bn)
        assert final("bn", 8 * R2, s) >= 0.9, s               # at 11.3 only BN trains
        assert final("plain", 16.0, s) < 0.5 and final("bn", 16.0, s) >= 0.9, s   # and at 16 ("your sweep")


def test_claim_bn_trains_at_small_rates_where_the_plain_network_barely_moves():
    """"the plain network barely moves in 400 steps below 0.1 … still below 75% at 0.25, where BN is
    at 93% or more"."""
    for s in SEEDS:
        for lr in (1 / 32, 0.25):
            plain, bn = final("plain", lr, s), final("bn", lr, s)
            assert plain < 0.75 and bn >= 0.93, (s, lr, plain, bn)
        run = lesson.train("plain", 1 / (8 * R2), 400, eval_every=400, seed=s)      # lr 0.088
        assert run.final_loss > 2.0                                   # ln 10 ≈ 2.30: barely moved


def test_claim_with_relu_the_plain_network_diverges_at_lr_3_and_bn_trains():
    for s in SEEDS:
        plain = lesson.train("plain", 3.0, activation="relu", seed=s)
        bn = lesson.train("bn", 3.0, activation="relu", seed=s)
        assert plain.diverged and plain.diverged_at <= 20
        assert not bn.diverged and bn.final_test_accuracy >= 0.95


# ------------------------------------------------------------------------------------------------
# Faster training
# ------------------------------------------------------------------------------------------------
def test_claim_bn_reaches_90_percent_in_several_times_fewer_steps_each_at_its_best_rate():
    """"Each at its best rate … about 8× fewer steps (per seed 6–12×)": the rule of the notebook (the
    rate with the fewest steps to 90% averaged over the seeds, among those where every seed gets
    there) applied to the rates around each network's best one in the saved sweep."""
    rates = {"plain": (2.0, 2 * R2, 4.0, 4 * R2), "bn": (R2 / 2, 1.0, R2, 2.0)}
    best = {}
    for net, lrs in rates.items():
        steps = np.array([[lesson.train(net, lr, 400, eval_every=5, seed=s).steps_to(0.9) or np.nan
                           for lr in lrs] for s in SEEDS], float)
        ok = ~np.isnan(steps).any(axis=0)
        assert ok.any(), (net, steps)
        means = np.where(ok, np.nan_to_num(steps).mean(axis=0), np.inf)
        best[net] = steps[:, int(np.argmin(means))]
    p, b = best["plain"], best["bn"]
    assert 5 <= p.mean() / b.mean() <= 13 and (p / b).min() >= 4, (p, b)
    assert p.min() >= 150 and b.max() <= 60, (p, b)


# ------------------------------------------------------------------------------------------------
# Dropout (the regularization runs: lr 1, 3,000 steps, dropout p = 0.2)
# ------------------------------------------------------------------------------------------------
def reg_runs(name, steps=3000):
    net, p = {"plain": ("plain", 0.0), "dropout": ("plain", 0.2), "BN": ("bn", 0.0),
              "BN + dropout": ("bn", 0.2)}[name]
    return [lesson.train(net, 1.0, steps, eval_every=100, dropout=p, seed=s) for s in SEEDS]


def gain(a, b, step):
    return np.array([x.accuracy_at(step) - y.accuracy_at(step) for x, y in zip(a, b)])


def test_claim_dropout_helps_the_plain_network_once_trained_to_3000_steps():
    """"after 500 steps dropout made no difference to the plain network … trained to 3,000 steps,
    dropout helps it"."""
    plain, drop = reg_runs("plain"), reg_runs("dropout")
    g = gain(drop, plain, 3000)
    assert g.mean() > 0.002 and g.min() > -0.005, g                   # a gain; no seed loses a point
    assert abs(gain(drop, plain, 500).mean()) < 0.01                     # no difference at 500 steps


def test_claim_dropout_does_not_help_the_bn_network_and_slows_it():
    """"BN + dropout is below BN at 2,000 and 3,000 steps … It also trains more slowly: after 500 steps
    its training accuracy is lower" (the test-accuracy gap at 500 steps, 1.0 point over the 8 saved
    seeds, is not claimed for every seed: seeds 0, 10, 11 give −0.7, +0.2, 0)."""
    bn, bnd = reg_runs("BN"), reg_runs("BN + dropout")
    for step in (2000, 3000):
        assert gain(bnd, bn, step).mean() < 0, step
    assert all(a.accuracy_at(500, "train") < b.accuracy_at(500, "train") for a, b in zip(bnd, bn))


def test_claim_bn_alone_beats_plain_with_dropout_at_every_checkpoint_and_seed():
    """"BN alone beats plain + dropout at every checkpoint … by about 1.5 points at 3,000 steps (in
    every seed) … every network fits its training set completely by 3,000 steps"."""
    bn, drop = reg_runs("BN"), reg_runs("dropout")
    for step in (500, 1000, 2000, 3000):
        assert (gain(bn, drop, step) > 0).all(), step
    assert 0.005 <= gain(bn, drop, 3000).mean() <= 0.03
    assert all(r.final_train_accuracy == 1.0 for name in REG_NAMES for r in reg_runs(name))


# ------------------------------------------------------------------------------------------------
# L2 weight decay (reduced: 2,000 of the saved 3,000 steps, except where stated)
# ------------------------------------------------------------------------------------------------
def wd_runs(net, lam, steps=2000):
    return [lesson.train(net, 1.0, steps, eval_every=100, weight_decay=lam, seed=s) for s in SEEDS]


def change(net, lam, step=2000):
    """Test accuracy with weight decay λ minus without, per seed, at ``step``."""
    return gain(wd_runs(net, lam, step), reg_runs("plain" if net == "plain" else "BN"), step)


def test_claim_no_weight_decay_helps_the_bn_network():
    """"No λ helps the BN network. Up to 10⁻⁴ nothing changes beyond noise …; from 10⁻³ on it costs
    accuracy: −1.6 points at 10⁻³, −8 at 3·10⁻³ … −29 at 10⁻²"."""
    for lam in (1e-5, 1e-4):
        assert abs(change("bn", lam).mean()) <= 0.005, lam
    costs = [change("bn", lam).mean() for lam in (1e-3, 3e-3, 1e-2)]
    assert (change("bn", 1e-3) < 0).all() and costs[0] < -0.003, costs
    assert costs[0] > costs[1] > costs[2], costs                          # the larger λ, the larger the cost


def test_claim_at_1e3_and_3e3_weight_decay_costs_bn_more_than_the_plain_network():
    for lam in (1e-3, 3e-3):
        assert change("bn", lam).mean() < change("plain", lam).mean() < 0, lam


def test_claim_weight_decay_1e4_gives_the_plain_network_only_a_trace_and_1e2_collapses_it():
    """"λ = 10⁻⁴ … +0.3 points on average … too small to call a benefit … 10⁻² … leaves the network
    at chance", "at 10⁻² the plain network collapses to chance while BN oscillates far above it"
    (3,000 steps for 10⁻⁴; the collapse within 1,000; BN at 10⁻² over 2,000)."""
    g = change("plain", 1e-4, 3000)
    assert g.mean() >= 0 and g.max() <= 0.01, g                         # at most a few of 449 test images
    collapsed = wd_runs("plain", 1e-2, 1000)
    assert all(r.final_test_accuracy < 0.2 and r.weight_norm < 1 for r in collapsed)
    # BN at 10⁻² is unstable (its test accuracy swings by tens of points between evaluations: seed 10
    # ends at 19% after 2,000 steps), so the mean over the evaluations of the second half is checked
    bn = [np.mean(r.test_accuracy[r.eval_steps >= 1000]) for r in wd_runs("bn", 1e-2)]
    assert min(bn) > 0.35, bn                                             # far above chance


# ------------------------------------------------------------------------------------------------
# Why: the diagnostics at a large learning rate
# ------------------------------------------------------------------------------------------------
def test_claim_diagnostics_at_lr_16_plain_saturates_and_freezes_bn_does_not():
    """"Without BN, 20 large steps … the last hidden layer is 100% saturated, the gradient reaching
    every hidden layer has shrunk about a thousandfold, and the update-to-data ratio has fallen to
    about 10⁻⁴ or below … With BN … the first two layers stay unsaturated and the gradients keep their
    size … the BN network's ratio falls by more than 10×" (lr 16, 20 steps; the notebook shows seed 0).
    Margins: the saved seed 0 gives 100%, 800–1,300×, ≤ 8·10⁻⁵; seeds 11–13 gave ≥ 99%, 200–2,000×."""
    import normlib as nl
    from normlib.diagnostics import diagnose
    d = lesson.experiments._digits()
    Xb, yb = d.X_train[:60], d.y_train[:60]
    for s in SEEDS:
        got = {}
        for net in lesson.NETWORKS:
            model = lesson.digits_mlp(net == "bn", seed=s)
            before = diagnose(model, Xb, yb, lr=16)
            nl.fit(model, d.X_train, d.y_train, steps=20, batch_size=60, lr=16, seed=s)
            got[net] = before, diagnose(model, Xb, yb, lr=16)
        (p0, p1), (b0, b1) = got["plain"], got["bn"]
        assert p1.layers[-1].saturated >= 0.95, s
        shrink = [a.grad_std / b.grad_std for a, b in zip(p0.layers, p1.layers)]
        assert min(shrink) > 100, (s, shrink)
        assert max(v for k, v in p1.update_ratio.items() if k.endswith("weight") and not k.startswith("6")) < 3e-4, s
        assert all(r.saturated < 0.1 for r in b1.layers[:2]), s
        keep = [b.grad_std / a.grad_std for a, b in zip(b0.layers, b1.layers)]
        assert all(0.3 < k < 3 for k in keep), (s, keep)
        w = [k for k in b0.update_ratio if k.endswith("weight")][:3]        # the three hidden layers' W
        assert all(b0.update_ratio[k] / b1.update_ratio[k] > 10 for k in w), (s, [(b0.update_ratio[k], b1.update_ratio[k]) for k in w])
