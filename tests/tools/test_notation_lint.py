"""tools/notation_lint.py: each rule of docs/notation.md on synthetic markdown cells, found where it is
broken and silent where the card is followed; then the notebooks already converted to the card."""

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("notation_lint", ROOT / "tools" / "notation_lint.py")
lint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lint)


def rules(source):
    return Counter(f.rule for f in lint.lint_markdown(source))


CARD_FOLLOWED = [
    r"$$\hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \varepsilon}},\qquad \mu_B = \frac1m \sum_{i=1}^m x_i$$",
    r"and $y = \gamma \hat x + \beta$, with $\sigma_B / \sqrt m$ the spread of $\mu_B$",
    r"the sigmoid $\sigma(x)$ and its slope $\sigma'(x)$, or $\mathbb E[\sigma']$ and $\sigma\left(x\right)$",
    r"a tensor of shape $(N, C, H, W)$, with $H \times W$ positions and $m \cdot H\cdot W$ values",
    r"the Hessian $\nabla^2 L$ and the hidden width $d_h$; a linear layer $x = Wh + b$",
    r"groups $\mathcal S_{n,g}$ with $g = \lfloor c\,G/C \rfloor$",
    "BN's momentum 0.1 is the weight of the new batch. SGD with momentum 0.9 is another thing.",
    "The running average's momentum is 0.1.",
    "BN의 momentum 0.1은 새 배치의 가중치입니다. SGD의 momentum은 다른 것입니다.",
    "code is not prose: `momentum=0.9`, `eps = 1e-5`, `B = x.shape[0]`",
    r"a noise scale $r_\sigma$ and $n_\sigma = 1.25$",
]


@pytest.mark.parametrize("source", CARD_FOLLOWED)
def test_the_card_followed_gives_no_finding(source):
    assert rules(source) == Counter()


@pytest.mark.parametrize("source, rule, n", [
    (r"$\sqrt{\sigma^2_B + \epsilon}$ and again $\epsilon$", "epsilon", 2),
    (r"$\mu_{\mathcal B}$ and $\mathrm E_\mathcal B[\sigma^2_\mathcal B]$", "script-B", 3),
    (r"$\mu = \frac1N \sum_{i=1}^N x_i$", "batch-size", 2),
    (r"$\frac{1}{B}\sum x$ and the unbiased $\frac{N}{N-1}$", "batch-size", 2),
    (r"a batch of $B$ digits, $B = 32$, lr $\eta \cdot B/32$", "batch-size", 3),
    (r"$m = N\cdot H\cdot W$", "batch-size", 1),
    (r"$\sigma/\sqrt m$ and $\sqrt{\sigma^2 + \varepsilon}$", "bare-sigma", 2),
    (r"$$W \to W + \mathbf 1 \gamma^\top$$", "gamma-reuse", 1),
    (r"$h_t = f(g \odot \hat a_t + b)$ with gain $g$ and bias $b$", "gain-bias", 3),
    (r"$H = \nabla^2 L$ and the step $\eta \le 2/\lambda_{\max}(H)$", "H-not-height", 2),
    (r"the $H$ units of one layer", "H-not-height", 1),
    ("the small ϵ in the denominator", "epsilon-prose", 1),
    ("the batch mean μ_𝓑", "script-B-prose", 1),
    ("with batch size B = 8 and a batch of N images", "batch-size-prose", 2),
    ("No choice of momentum removes it. A momentum of 0.9 gives weight 0.9 to the past.", "momentum", 2),
])
def test_each_rule_finds_what_breaks_it(source, rule, n):
    found = rules(source)
    assert found[rule] == n, found
    assert set(found) == {rule}, f"other rules fired too: {found}"


def test_findings_carry_the_cell_index_and_a_message():
    cells = [{"cell_type": "code", "source": "eps = 1e-5  # \\epsilon in code is not checked"},
             {"cell_type": "markdown", "source": ["the ", "$\\epsilon$"]}]
    (f,) = lint.lint_cells(cells)
    assert (f.cell, f.rule, f.text) == (1, "epsilon", "\\epsilon") and "varepsilon" in f.message


def test_check_exit_status(tmp_path, capsys):
    import json
    nb = {"cells": [{"cell_type": "markdown", "source": "$\\epsilon$ and $\\mu_B$"}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps(nb))
    assert lint.main([str(path)]) == 0
    assert lint.main([str(path), "--check"]) == 1
    assert "99_x: 1 — epsilon 1" in capsys.readouterr().out


# The notebooks that follow docs/notation.md. Not yet all of them: the others are converted in the
# session that reshapes the notebooks (issue 16), and this list grows as each one is converted. Run
# `make notation-lint` to see what the others still break.
# Every notebook of the course follows the card (issue 16); a new notebook too.
COMPLIANT = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("name", COMPLIANT)
def test_converted_notebooks_follow_the_card(name):
    found = lint.lint_notebook(ROOT / "notebooks" / name)
    assert not found, "\n".join(f"cell {f.cell} {f.rule}: {f.text[:60]!r} — {f.message}" for f in found)
