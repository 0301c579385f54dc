"""Exercise checker for notebook 00: which axes each normalization averages over. Its feedback is
in the reader's language (normlib.i18n; keys "l00.check.*")."""

from ...checking import answer_axes, check_answers
from ...i18n import t

__all__ = ["check_axes", "NORM_AXES"]

# For x of shape (N, C, H, W): the axes each method averages over (Wu & He 2018, Sec. 3.1).
NORM_AXES = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}
_AXIS_LETTERS = {0: "N", 1: "C", 2: "H", 3: "W"}


def _axis_name(a):
    """"N (examples)", "C (channels)", "H", "W" in the reader's language."""
    return t(f"l00.check.axis{a}")


def _name(method):
    """"batch norm" … in the reader's language."""
    return t(f"l00.name.{method}")


def _keeps(method):
    return t(f"l00.check.keeps.{method}")


def _diagnose(method, answer):
    if answer is None:
        return t("l00.check.not_answered")
    try:
        axes = answer_axes(answer, 4)
    except (TypeError, ValueError):
        return t("l00.check.not_axes", answer=repr(answer))
    right = NORM_AXES[method]
    if axes == right:
        return t("l00.check.correct", axes=axes, keeps=_keeps(method))
    for other, other_axes in NORM_AXES.items():
        if axes == other_axes:
            return t("l00.check.other_method", axes=axes, other_name=_name(other),
                     other_keeps=_keeps(other), method_name=_name(method), keeps=_keeps(method))
    hints = []
    kept = sorted(set(range(4)) - set(right))
    for a in sorted(set(axes) - set(right)):
        hints.append(t("l00.check.keep_axis", axis=a, name=_axis_name(a), method_name=_name(method),
                       letter=_AXIS_LETTERS[a]))
    for a in sorted(set(right) - set(axes)):
        hints.append(t("l00.check.average_axis", axis=a, name=_axis_name(a)))
    return t("l00.check.not_it", axes=axes, hints="; ".join(hints), kept=[_axis_name(k) for k in kept])


def check_axes(answers):
    """Check a dict {"batch": axes, "layer": axes, "instance": axes} for x of shape (N, C, H, W).

    Returns the feedback text, one line per method (print it).
    """
    return check_answers(answers, NORM_AXES, _diagnose)
