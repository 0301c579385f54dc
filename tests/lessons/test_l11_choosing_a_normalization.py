"""Notebook 11: the measured table against the known answers (Ba et al. 2016, Table 1; Wu & He
2018), and synchronized BN against full-batch BN and finite differences."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l11_choosing_a_normalization import experiments as ch

X = np.random.default_rng(0).normal(2, 3, (8, 4, 3, 3))


@pytest.mark.parametrize("y, expected", [
    (nl.batch_norm(X), "one set per channel"),
    (nl.group_norm(X, 1), "one set per example, over (C, H, W): mean 0"),
    (nl.instance_norm(X), "one set per example and channel"),
    (nl.group_norm(X, 2), "group of 2 channels"),
    (nl.rms_norm(X.reshape(8, -1)).reshape(X.shape), "no centring"),
    (X, "none"),
])
def test_find_sets(y, expected):
    assert expected in ch.find_sets(y)


def test_the_table_says_what_the_papers_say():
    t = ch.properties_table()
    yes = lambda row: [name for name in ch.NORM_NAMES if t[name][row]]
    assert yes("eval() changes the output") == ["BN"]
    assert yes("output depends on the other examples") == ["BN"]
    assert yes("invariant to scaling one example (x3)") == ["LN", "IN", "GN", "RMSNorm"]
    assert yes("invariant to shifting one example (+2)") == ["LN", "IN", "GN"]
    assert yes("invariant to shifting one channel (+2)") == ["BN", "IN"]


def test_all_reduced_sums_give_the_full_batch_statistics():
    s, q, m = ch.worker_stats(X, 4)
    assert s.shape == (4, 4) and list(m) == [18] * 4
    np.testing.assert_allclose(s[1] / m[1], X[2:4].mean(axis=(0, 2, 3)))      # worker 1's local mean
    mean, var = ch.stats_from_sums(*ch.all_reduce(s, q, m))
    np.testing.assert_allclose(mean, X.mean(axis=(0, 2, 3)), atol=1e-12)
    np.testing.assert_allclose(var, X.var(axis=(0, 2, 3)), atol=1e-12)


def test_sharded_bn_matches_bn_on_the_right_batches():
    sync = ch.ShardedBatchNorm(4, 4, sync=True, dtype=np.float64)
    local = ch.ShardedBatchNorm(4, 4, sync=False, dtype=np.float64)
    np.testing.assert_allclose(sync(X), nl.batch_norm(X), atol=1e-12)
    np.testing.assert_allclose(local(X), np.concatenate([nl.batch_norm(X[i:i + 2]) for i in range(0, 8, 2)]), atol=1e-12)
    # running statistics: momentum 0.1 of the new batch; unbiased m/(m − 1) variance
    m = 8 * 9
    np.testing.assert_allclose(sync.running_var, 0.9 + 0.1 * X.var(axis=(0, 2, 3)) * m / (m - 1))
    np.testing.assert_allclose(local.running_mean, 0.1 * X[:2].mean(axis=(0, 2, 3)))   # worker 0's


@pytest.mark.parametrize("sync", [False, True])
def test_sharded_bn_gradients(sync):
    layer = ch.ShardedBatchNorm(3, 2, sync=sync, dtype=np.float64)
    layer.gamma[:] = [1.0, 2.0, 0.5]
    errors = nl.check_gradients(layer, np.random.default_rng(1).standard_normal((4, 3, 2, 2)))
    assert max(errors.values()) < 1e-7, errors


def test_sync_bn_experiment_runs():
    r = ch.sync_bn_experiment(workers=2, per_worker=4, epochs=1)
    assert r.settings["global_batch"] == 8 and set(r.error) == {"local", "sync"}


def test_bad_input_messages():
    with pytest.raises(ValueError, match="split evenly over workers = 3"):
        ch.worker_stats(X, 3)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        ch.ShardedBatchNorm(4, 0, sync=True)
    with pytest.raises(ValueError, match="name must be one of"):
        ch.make_norm("WN", X.shape)


def test_sync_explorer_shows_the_full_batch_statistics():
    from normlib.lessons.l11_choosing_a_normalization.explorer import SyncBNExplorer
    ex = SyncBNExplorer()
    local_mean, local_var, mean, var = ex.stats[(4, 8)]
    x = ex.maps[:32]
    pm, pv = ex.population
    np.testing.assert_allclose(mean, (x.mean(axis=(0, 2, 3)) - pm) / np.sqrt(pv), atol=1e-10)
    np.testing.assert_allclose(local_var[1], x[8:16].var(axis=(0, 2, 3)) / pv, atol=1e-10)


def test_sync_explorer_draws_every_worker_on_or_at_the_edge_of_its_axes():
    """The axes fit the default split; in every state each worker is a dot inside them or a triangle
    on the top edge (never silently dropped), and the triangle's label gives the value."""
    from normlib.lessons.l11_choosing_a_normalization.explorer import SyncBNExplorer, PER_WORKER, WORKERS
    ex = SyncBNExplorer()
    seen_over = False
    for K in WORKERS:
        for b in PER_WORKER:
            for c in range(ex.C):
                ex.update(workers=K, per_worker=b, channel=c)
                for i, lim in enumerate((ex.mlim, ex.vlim)):
                    inside = np.asarray(ex.dots[i].get_ydata())
                    over = np.asarray(ex.over[i].get_ydata())
                    assert len(inside) + len(over) == K
                    assert np.all((inside >= lim[0]) & (inside <= lim[1]))
                    if len(over):
                        seen_over = True
                        top = ex.stats[(K, b)][i][:, c].max()
                        assert top > lim[1] and f"{top:.2f}" in ex.over_text[i].get_text()
    assert seen_over                              # the case is exercised
    ex.update(workers=8, per_worker=2, channel=0)                           # default: all inside, fills the axes
    v = np.asarray(ex.dots[1].get_ydata())
    assert len(v) == 8 and (v.max() - v.min()) > 0.5 * (ex.vlim[1] - ex.vlim[0])


def test_what_the_notebook_takes_from_notebook_10_is_its_saved_runs():
    """digits, BN's base rate and plain BN's errors come from notebook 10's data and saved runs."""
    from normlib.lessons.l10_instance_group_norm import experiments as l10
    d, d10 = ch.digits(), l10.digits()
    np.testing.assert_array_equal(d.X_train, d10.X_train)
    np.testing.assert_array_equal(d.y_test, d10.y_test)
    assert ch.bn_base_lr() == l10.load_results().sweep.base_lr["bn"]
    sweep, more = l10.load_results().sweep, l10.load_more_seeds()
    got = ch.plain_bn_errors(2, (0, 3, 1))
    j = sweep.batch_sizes.index(2)
    assert got[0] == sweep.metrics["bn"]["val_error"][0, j] and got[2] == sweep.metrics["bn"]["val_error"][1, j]
    assert got[1] == more.values("bn", 2, seeds=(3,))[1][0]
    with pytest.raises(ValueError, match="batch_size = 2 for seeds \\[99\\]"):
        ch.plain_bn_errors(2, (99,))
