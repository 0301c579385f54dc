"""The checker of notebook 10 (group norm) recognises each mistake."""

import numpy as np
import pytest

from normlib.lessons.l10_instance_group_norm import check_group_norm


def gn(x, G, ddof=0, order="consecutive"):
    N, C = x.shape[:2]
    if order == "consecutive":
        g = x.reshape(N, G, C // G, *x.shape[2:]); axes = (2, 3, 4)
    else:
        g = x.reshape(N, C // G, G, *x.shape[2:]); axes = (1, 3, 4)
    return ((g - g.mean(axes, keepdims=True)) / np.sqrt(g.var(axes, ddof=ddof, keepdims=True) + 1e-5)).reshape(x.shape)


def _raise(x, G):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (gn, "correct"),
    (lambda x, G: gn(x, x.shape[1]), "instance norm"),
    (lambda x, G: gn(x, 1), "layer norm"),
    (lambda x, G: (x - x.mean((0, 2, 3), keepdims=True)) / np.sqrt(x.var((0, 2, 3), keepdims=True) + 1e-5), "batch norm"),
    (lambda x, G: gn(x, G, order="interleaved"), "interleaved"),
    (lambda x, G: gn(x, G, ddof=1), "unbiased variance"),
    (lambda x, G: gn(x, G).reshape(x.shape[0], -1), "shape"),
    (lambda x, G: None, "returned None"),
    (_raise, "not implemented yet"),
    (lambda x, G: 1 / 0, "raised ZeroDivisionError"),
    (lambda x, G: x, "not group norm"),
])
def test_group_norm_checker(fn, expected):
    assert expected in check_group_norm(fn)
