"""Notebook 08's code against independent references: hand computations, closed forms, and the
explorer's drawing. (Copied from notebook 07's tests when the small-batch question became its own
notebook.)"""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l08_small_batches import small_batch
from normlib.lessons.l08_small_batches.figures import plot_accuracies


# -- small batches ---------------------------------------------------------------------------------
def test_random_batches_hold_distinct_examples():
    idx = small_batch.random_batches(20, 7, 50, 0)
    assert idx.shape == (50, 7) and all(len(set(row)) == 7 for row in idx) and idx.max() < 20
    with pytest.raises(ValueError, match="m .the batch size. must be at most"):
        small_batch.random_batches(5, 6, 1, 0)


def test_batch_statistics_follow_the_closed_forms():
    z = np.random.default_rng(1).standard_normal((300, 3)) * [1.0, 2.0, 0.5]
    s = small_batch.batch_statistics(z, (2, 8, 64), n_batches=4000, seed=2)
    np.testing.assert_allclose(s["std_mean"], s["std_mean_theory"], rtol=0.06)
    np.testing.assert_allclose(s["mean_var"], s["mean_var_theory"], rtol=0.06)
    # the closed forms themselves, by hand for m = 2: σ/√2·√(298/299) and σ²·½·300/299
    sigma2 = z.var(axis=0)
    np.testing.assert_allclose(s["std_mean_theory"][0], np.sqrt(sigma2 / 2 * 298 / 299))
    np.testing.assert_allclose(s["mean_var_theory"][0], sigma2 * 0.5 * 300 / 299)


def test_train_test_gap_shrinks_and_two_values_standardize_to_plus_minus_one():
    z = np.random.default_rng(3).standard_normal((500, 4))
    gap = small_batch.train_test_gap(z, (2, 8, 32, 128), n_batches=500)
    assert np.all(np.diff(gap) < 0)
    a = np.array([[0.3], [2.0]])
    np.testing.assert_allclose(nl.batch_norm(a), [[-1], [1]], atol=1e-5)


def test_measure_run_training_mode_counts_every_example_once_and_leaves_the_model_unchanged():
    X, y, Xt, yt = small_batch.digits64()
    X, y = X[:44], y[:44]                                      # 44 = 5 batches of 8 + 4 left over
    model = small_batch.norm_mlp("batch", seed=1)
    nl.fit(model, X, y, steps=20, batch_size=8, lr=0.05)
    bn = model[1]
    before = bn.running_mean.copy(), bn.running_var.copy(), bn.num_batches_tracked, model[0].weight.copy()
    run = small_batch.measure_run(model, "batch", 8, (X, y, Xt[:10], yt[:10]), seed=3)
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])
    assert bn.num_batches_tracked == before[2] and model.training
    np.testing.assert_array_equal(model[0].weight, before[3])
    # by hand: each batch of 8 through the layers with its own batch statistics (biased variance);
    # the 4 left over go through in one more batch of 8, the last 8 of the permutation (4 counted)
    order = np.random.default_rng(3).permutation(44)
    nll, correct = [], 0
    for rows, counted in [(order[i:i + 8], 8) for i in range(0, 40, 8)] + [(order[-8:], 4)]:
        h = X[rows]
        for lin, norm in ((model[0], model[1]), (model[3], model[4])):
            z = h @ lin.weight.T
            h = np.maximum(norm.gamma * (z - z.mean(0)) / np.sqrt(z.var(0) + norm.eps) + norm.beta, 0)
        logits = (h @ model[6].weight.T + model[6].bias)[-counted:]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        t = y[rows][-counted:]
        nll.extend(-np.log(p[np.arange(counted), t]))
        correct += (logits.argmax(1) == t).sum()
    assert len(nll) == 44
    assert abs(run["train_loss_train_mode"] - np.mean(nll)) < 1e-10
    assert run["train_acc_train_mode"] == pytest.approx(correct / 44, abs=1e-12)
    # layer norm has no batch statistics: training mode is eval mode
    ln = small_batch.norm_mlp("layer", seed=1)
    ln_run = small_batch.measure_run(ln, "layer", 8, (X, y, Xt[:10], yt[:10]))
    assert ln_run["train_acc_train_mode"] == pytest.approx(nl.accuracy(ln, X, y), abs=1e-12)
    with pytest.raises(ValueError, match="norm must be 'batch' or 'layer'"):
        small_batch.norm_mlp("group")
    with pytest.raises(ValueError, match="batch_size must be"):
        small_batch.measure_run(model, "batch", 0, (X, y, Xt[:10], yt[:10]))
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        small_batch.train_run("batch", 4, -1.0)


def test_measure_run_precise_statistics_are_the_population_statistics():
    X, y, Xt, yt = small_batch.digits64()
    model = small_batch.norm_mlp("batch", seed=2)
    nl.fit(model, X[:64], y[:64], steps=10, batch_size=4, lr=0.01)
    out = small_batch.measure_run(model, "batch", 4, (X[:64], y[:64], Xt, yt))
    assert set(out) == set(small_batch.METRICS)
    # layer 1's precise statistics are the mean and unbiased variance of W₁x over the data
    precise = nl.precise_bn(model, X[:64], batch_size=64)
    z = X[:64] @ model[0].weight.T
    np.testing.assert_allclose(precise[1].running_mean, z.mean(0), atol=1e-10)
    np.testing.assert_allclose(precise[1].running_var, z.var(0, ddof=1), rtol=1e-10)
    assert out["test_acc_precise"] == nl.accuracy(precise, Xt, yt)
    ln_out = small_batch.measure_run(small_batch.norm_mlp("layer"), "layer", 4, (X[:64], y[:64], Xt, yt))
    assert np.isnan(ln_out["test_acc_precise"])


def test_validation_split_is_held_out_of_the_training_set():
    X, y, Xv, yv = small_batch.digits64(validation=True)
    Xa, ya, _, _ = small_batch.digits64()
    assert len(X) + len(Xv) == len(Xa) and abs(len(Xv) / len(Xa) - 0.2) < 0.01
    np.testing.assert_array_equal(np.concatenate([X, Xv]), Xa)


def test_saved_results_are_read_only_and_complete():
    r = small_batch.small_batch_results()
    assert r.batch_sizes == small_batch.SWEEP_BATCH_SIZES and len(r.seeds) >= 3
    for norm in small_batch.SWEEP_NORMS:
        for k in small_batch.METRICS:
            assert r.per_seed[norm][k].shape == (len(r.batch_sizes), len(r.seeds))
        with pytest.raises(ValueError):
            r.mean[norm]["test_acc_eval"][0] = 0.0
        with pytest.raises(TypeError):
            r.lr[norm] = None
        # the chosen rate is on the grid, lr = c·m/32
        assert all(any(np.isclose(c, g) for g in small_batch.LR_GRID) for c in r.lr_c[norm])
    assert "long_runs" in r.provenance["command"]


# -- the batch-dependence explorer -----------------------------------------------------------------
def test_batch_explorer_draws_unit_categories_as_markers_without_lines():
    from normlib.lessons.l08_small_batches.explorer import BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for artist in (ex.bn_train, ex.bn_eval, ex.beyond, ex.beyond_low, ex.ln):
        assert artist.get_linestyle() in ("None", "none", "", " ")
        assert artist.get_marker() not in (None, "None", "none", "")


def test_batch_explorer_marks_test_time_values_beyond_the_axis_at_its_edge():
    """BN at test time by hand, (c·z₀ − population mean) / population std: values inside the axis
    drawn where they are, the others as ▲ (above) or ▼ (below) at the edge — every unit once."""
    from normlib.lessons.l08_small_batches.explorer import Z_LIMIT, BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for c in (1.0, 10.0):
        ex.update(batch_size=8, scale=c)
        expected = (c * ex.z[0] - ex.z.mean(0)) / ex.z.std(0)
        inside = np.abs(expected) <= Z_LIMIT
        np.testing.assert_allclose(ex.bn_eval.get_ydata(), expected[inside], rtol=1e-4)
        assert sorted(ex.beyond.get_xdata()) == sorted(np.flatnonzero(expected > Z_LIMIT))
        assert sorted(ex.beyond_low.get_xdata()) == sorted(np.flatnonzero(expected < -Z_LIMIT))
        assert (c == 10.0) == (not inside.all())
        lo, hi = ex.ax_out.get_ylim()
        assert all(lo < v < hi for v in np.concatenate([ex.beyond.get_ydata(), ex.beyond_low.get_ydata()]))


def test_batch_explorer_histogram_fills_its_count_axis_for_every_batch_size():
    """The tallest bin stays inside the count axis, and fills at least half of it, in every state."""
    from normlib.lessons.l08_small_batches.explorer import BATCH_SIZES, SCALES, BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for m in BATCH_SIZES:
        for c in SCALES:
            ex.update(batch_size=m, scale=c)
            mu = ex.compute(m, c)[0][:, 0]
            counts = np.histogram(np.clip(mu, ex.bins[0], ex.bins[-1]), ex.bins)[0]
            assert counts.sum() == ex.n_batches
            top = ex.ax_mu.get_ylim()[1]
            assert 0.5 * top <= counts.max() <= top


def test_tuned_lr_reads_the_saved_rates_and_checks_its_input():
    r = small_batch.small_batch_results()
    for norm in small_batch.SWEEP_NORMS:
        for i, m in enumerate(r.batch_sizes):
            assert small_batch.tuned_lr(norm, m) == r.lr[norm][i]
            c = small_batch.tuned_lr(norm, m) * 32 / m          # lr = c·m/32, c on the grid
            assert any(np.isclose(c, g) for g in small_batch.LR_GRID)
    with pytest.raises(ValueError, match="m must be one of the saved batch sizes"):
        small_batch.tuned_lr("batch", 3)
    with pytest.raises(ValueError, match="norm must be 'batch' or 'layer'"):
        small_batch.tuned_lr("group", 2)


def test_plot_accuracies_draws_the_seed_means_and_the_saved_bands():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    mine = {k: np.array([[0.2, 0.4], [0.8, 1.0]]) for k in ("train_acc_train_mode", "test_acc_eval", "test_acc_precise")}
    fig, ax = plt.subplots()
    plot_accuracies(ax, (2, 8), mine)
    assert any(np.allclose(line.get_ydata(), [30, 90]) for line in ax.lines)       # seed means, in %
    fig2, ax2 = plt.subplots()
    plot_accuracies(ax2, (2, 8), mine, saved=small_batch.small_batch_results())
    assert len(ax2.collections) == 3                                               # one band per curve
    plt.close(fig); plt.close(fig2)


def test_plot_accuracies_labels_each_seed_mean_when_asked():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    mine = {k: np.array([[0.394, 0.40], [0.96, 0.97]]) for k in ("train_acc_train_mode", "test_acc_eval", "test_acc_precise")}
    fig, ax = plt.subplots()
    plot_accuracies(ax, (2, 8), mine, annotate=True)
    cells = [c.get_text().get_text() for c in ax.tables[0].get_celld().values()]
    assert sorted(v for v in cells if v.isdigit()) == ["40", "40", "40", "96", "96", "96"]
    plt.close(fig)
