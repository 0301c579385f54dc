"""The benefits experiments of notebook 06 and the explorers of notebooks 05 and 06: networks against
their definitions, counts against hand computations, runs against normlib.fit called directly,
BN's scale invariance against its closed form."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l06_batch_norm_benefits import experiments as bb
from normlib.models import sigmoid_mlp
from normlib.lessons.l06_batch_norm_benefits.explorer import LRSweepExplorer, smooth


# ----------------------------------------------------------------------------------------------
# Networks and counting
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bn", [False, True])
def test_digits_mlp_is_the_figure_1_network(bn):
    ours = bb.digits_mlp(bn, seed=3)
    ref = sigmoid_mlp("bn" if bn else None, seed=3, dtype=np.float64)
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in ref.layers]
    for (_, a, _), (_, b, _) in zip(ours.parameters(), ref.parameters()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float64


def test_digits_mlp_dropout_relu_and_errors():
    names = [type(l).__name__ for l in bb.digits_mlp(True, 0.2, hidden=(4, 3), activation="relu").layers]
    assert names == ["Linear", "BatchNorm", "ReLU", "Dropout", "Linear", "BatchNorm", "ReLU", "Dropout", "Linear"]
    w = bb.digits_mlp(activation="relu", hidden=(200,), seed=0)[0].weight
    assert w.std() == pytest.approx(np.sqrt(2 / 64), rel=0.05)                # He initialization
    with pytest.raises(ValueError, match="activation must be 'sigmoid' or 'relu'"):
        bb.digits_mlp(activation="tanh")
    with pytest.raises(ValueError, match=r"dropout \(the drop probability\) must be in \[0, 1\)"):
        bb.digits_mlp(dropout=1.0)


def test_steps_to_target_by_hand():
    steps, acc = [0, 20, 40, 60], [0.1, 0.85, 0.9, 0.95]
    assert bb.steps_to_target(steps, acc, 0.9) == 40          # ≥, the first one
    assert bb.steps_to_target(steps, acc, 0.96) is None
    with pytest.raises(ValueError, match="the same length"):
        bb.steps_to_target(steps, acc[:3], 0.9)
    with pytest.raises(ValueError, match=r"target must be an accuracy in \(0, 1\]"):
        bb.steps_to_target(steps, acc, 90)


def test_largest_lr_that_trains_by_hand():
    assert bb.largest_lr_that_trains([0.1, 1, 10], [0.5, 0.95, np.nan]) == 1.0
    assert bb.largest_lr_that_trains([0.1, 1], [0.5, 0.6]) is None
    with pytest.raises(ValueError, match="the same length"):
        bb.largest_lr_that_trains([0.1, 1], [0.5])


def _run(net, lr, acc, n_steps=100, diverged=None, seed=0):
    steps = 50 * np.arange(len(acc))
    return bb.Run(net, lr, seed, n_steps, 50, np.zeros(n_steps // 5), steps, np.array(acc),
                  np.full(len(acc), np.nan), 0.0, diverged, 1.0)


def test_sweep_methods_on_a_constructed_sweep():
    from types import MappingProxyType
    runs = {"plain": ((_run("plain", 0.1, [0.1, 0.5, 0.8]), _run("plain", 1.0, [0.1, 0.92, 0.95]),
                       _run("plain", 10.0, [0.1, 0.1], n_steps=7, diverged=7)),
                      (_run("plain", 0.1, [0.1, 0.5, 0.8], seed=1), _run("plain", 1.0, [0.1, 0.5, 0.95], seed=1),
                       _run("plain", 10.0, [0.1, 0.95, 0.95], seed=1))),
            "bn": ((_run("bn", 0.1, [0.1, 0.95, 0.97]), _run("bn", 1.0, [0.1, 0.96, 0.97]),
                    _run("bn", 10.0, [0.1, 0.5, 0.91])),
                   (_run("bn", 0.1, [0.1, 0.5, 0.97], seed=1), _run("bn", 1.0, [0.1, 0.96, 0.97], seed=1),
                    _run("bn", 10.0, [0.1, 0.5, 0.5], seed=1)))}
    sw = bb.Sweep((0.1, 1.0, 10.0), (0, 1), MappingProxyType(runs))
    assert sw.largest_lr("plain") == (1.0, 10.0) and sw.largest_lr("bn") == (10.0, 1.0)
    assert np.isnan(sw.final_accuracy("plain")[0, 2])
    np.testing.assert_array_equal(sw.steps_to("bn", 0.9), [[50, 50, 100], [100, 50, np.nan]])
    # best rate: every seed must reach the target; fewest mean steps; ties → the smaller rate
    lr, steps = sw.best_lr("bn", 0.9)
    assert lr == 1.0 and list(steps) == [50, 50]
    lr, steps = sw.best_lr("plain", 0.9)
    assert lr == 1.0 and list(steps) == [50, 100]
    assert sw.best_lr("plain", 0.99) == (None, None)
    assert sw.run("bn", 10.0, 1) is runs["bn"][1][2]
    assert bb.count_runs(sw, {"again": runs["bn"][0][:1]}) == (12, 11 * 100 + 6)
    with pytest.raises(TypeError, match="results must be Runs"):
        bb.count_runs(3)


def test_train_is_fit_on_the_same_network_in_float64():
    d = nl.load_digits(dtype=np.float64)
    run = bb.train("bn", lr=0.5, steps=15, eval_every=5)
    model = sigmoid_mlp("bn", dtype=np.float64)
    h = nl.fit(model, d.X_train, d.y_train, steps=15, batch_size=60, lr=0.5, seed=0,
               X_test=d.X_test, y_test=d.y_test, eval_every=5)
    np.testing.assert_allclose(run.loss, np.asarray(h.loss).reshape(3, 5).mean(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(run.test_accuracy, h.test_accuracy)
    assert run.final_train_accuracy == nl.accuracy(model, d.X_train, d.y_train)
    assert run.weight_norm == pytest.approx(np.linalg.norm(model[0].weight))
    assert run.final_loss == pytest.approx(np.mean(h.loss[-15:]))
    assert bb.train("bn", lr=0.5, steps=15, eval_every=5) is run                   # cached
    with pytest.raises(ValueError, match="network must be 'plain' or 'bn'"):
        bb.train("ln")
    with pytest.raises(ValueError, match="lr must be a number ≥ 0"):
        bb.train("bn", lr=-1)


def test_cached_results_are_read_only():
    run = bb.train("plain", lr=0.5, steps=10, eval_every=5)
    with pytest.raises(ValueError, match="read-only"):
        run.test_accuracy[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        run.loss[0] = 1.0
    with pytest.raises(AttributeError):
        run.lr = 3.0
    sw = bb.lr_sweep(lrs=(0.5,), seeds=(0,), steps=10, eval_every=5)
    with pytest.raises(TypeError):
        sw.runs["bn"] = ()
    with pytest.raises(ValueError, match="read-only"):
        sw.final_accuracy("bn")[0, 0] = 0


def test_a_run_survives_the_json_round_trip():
    import json
    for run in (bb.train("bn", lr=0.5, steps=12, eval_every=5), bb.train("plain", lr=3.0, activation="relu")):
        back = bb.run_from_dict(json.loads(json.dumps(bb.run_to_dict(run))))
        np.testing.assert_array_equal(back.eval_steps, run.eval_steps)
        np.testing.assert_allclose(back.test_accuracy, run.test_accuracy, atol=1e-6)
        np.testing.assert_allclose(back.loss, run.loss, rtol=1e-3)
        assert back.diverged_at == run.diverged_at and back.steps == run.steps


def test_a_diverging_run_is_reported():
    run = bb.train("plain", lr=3.0, activation="relu")
    assert run.diverged_at is not None and np.isnan(run.final_loss)
    assert np.isnan(run.final_test_accuracy) and "diverged" in run.status
    assert bb.count_runs(run) == (1, run.diverged_at - 1)


def test_small_sweep_and_shared_runs():
    sw = bb.lr_sweep(lrs=(0.5, 2.0), seeds=(0, 1), steps=10, eval_every=5)
    assert [r.lr for r in sw.runs["bn"][1]] == [0.5, 2.0] and sw.runs["bn"][1][0].seed == 1
    reg = bb.regularization_runs(steps=10, seeds=(0,), eval_every=5)
    wd = bb.weight_decay_sweep((0.0, 0.1), steps=10, seeds=(0,), eval_every=5)
    assert wd["plain"][0][0] is reg["plain"][0] and wd["bn"][0][0] is reg["BN"][0]     # one run, two uses
    assert bb.count_runs(reg, wd) == (6, 60)
    assert wd["bn"][1][0].weight_norm < wd["bn"][0][0].weight_norm                      # decay shrinks W


def test_saved_results_are_complete_and_read_only():
    res = bb.saved_results()
    s = res.meta["settings"]
    assert res.sweep.lrs == tuple(s["lr_sweep"]["lrs"]) and len(res.sweep.seeds) >= 3
    assert all(len(res.regularization[name]) >= 3 for name in bb.REG_NAMES)
    assert res.weight_decays[0] == 0 and max(res.weight_decays) >= 1e-2 and min(res.weight_decays[1:]) <= 1e-5
    assert all(r.steps >= 2000 for runs in res.regularization.values() for r in runs)
    assert res.meta["command"].startswith("python -m normlib.lessons.l06_batch_norm_benefits.long_runs")
    assert bb.saved_results() is res
    with pytest.raises(ValueError, match="read-only"):
        res.sweep.runs["bn"][0][0].test_accuracy[-1] = 0


@pytest.mark.parametrize("factor", [0.5, 0.25, 3.0])
def test_bn_makes_the_function_scale_invariant_and_the_gradient_scale_as_one_over_c(factor):
    d = nl.load_digits()
    X, y = d.X_train[:60].astype(np.float64), d.y_train[:60]
    model = bb.digits_mlp(True, hidden=(10, 10))
    change, ratio = bb.weight_scale_invariance(model, X, y, layer=0, factor=factor)
    assert change < 1e-4 and ratio == pytest.approx(1 / factor, rel=1e-4)
    change, ratio = bb.weight_scale_invariance(bb.digits_mlp(False, hidden=(10, 10)), X, y, factor=factor)
    assert change > 1e-3 and abs(ratio - 1 / factor) > 0.05
    with pytest.raises(ValueError, match="layer must index a Linear layer"):
        bb.weight_scale_invariance(model, X, y, layer=1)


# ----------------------------------------------------------------------------------------------
# The explorers' models
# ----------------------------------------------------------------------------------------------
def test_smooth_is_a_trailing_moving_average():
    x = np.arange(1.0, 8.0)
    expected = [np.mean(x[max(0, i - 2):i + 1]) for i in range(len(x))]
    np.testing.assert_allclose(smooth(x, 3), expected)


def test_blitted_render_equals_a_full_redraw():
    ex = LRSweepExplorer.small()
    ex.update(lr=8.0, target=0.95)
    assert ex.blit_mismatch() < 0.002


def test_lr_sweep_explorer_marks_every_seed_and_shows_percent():
    ex = LRSweepExplorer.small()
    ex.update(lr=0.5, target=0.8)
    for net in bb.NETWORKS:
        hits = [r.steps_to(0.8) for r in (row[0] for row in ex.sweep.runs[net])]
        assert sorted(ex.hits[net].get_xdata()) == sorted(s for s in hits if s is not None)
        assert set(ex.hits[net].get_ydata()) <= {80.0}
        y = ex.acc_lines[net].get_segments()[0][:, 1]
        assert y.max() > 1.0                                    # percent, not a fraction
    assert "seeds" in ex.titles[0].get_text() and "▼" in ex.titles[1].get_text()
    with pytest.raises(TypeError, match="sweep must be a Sweep"):
        LRSweepExplorer(sweep={"runs": 1})


def test_lr_sweep_explorer_loss_axis_spans_the_data_of_the_chosen_rate():
    """The loss axis follows the rate: every plotted loss inside it, and no more than a factor 2
    of empty room beyond the data (and the guessing level ln 10) on either side."""
    ex = LRSweepExplorer.small()
    for lr in ex.sweep.lrs:
        ex.update(lr=lr)
        lo, hi = ex.ax_loss.get_ylim()
        y = np.concatenate([seed[:, 1] for lines in ex.loss_lines.values() for seed in lines.get_segments()]
                           + [[np.log(10)]])
        assert lo <= y.min() and y.max() <= hi
        assert y.min() / lo <= 2 and hi / y.max() <= 2


def test_lr_sweep_explorer_opens_at_the_chosen_rate_and_names_a_bad_one():
    ex = LRSweepExplorer(LRSweepExplorer.small().sweep, lr=8.0)
    assert ex.first_lr == 8.0
    with pytest.raises(ValueError, match="lr must be one of the sweep's rates"):
        LRSweepExplorer(ex.sweep, lr=3.0)
