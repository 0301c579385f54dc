"""Check notebooks' LaTeX and prose against the notation card, docs/notation.md.

    python tools/notation_lint.py [notebooks/NN_x.ipynb ...] [-v] [--check]    (or: make notation-lint)

Prints, per notebook, how many times each rule is broken (-v: every finding, with its cell and the
text); with --check the exit status is 1 when anything is found. Only markdown cells are read:
code follows PyTorch's names (``eps``, ``momentum``, ``weight``, ``bias``).
"""

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# The rules of docs/notation.md. LaTeX rules see one math expression at a time (the text between
# $…$ or $$…$$); prose rules see the markdown with math and code removed, one sentence at a time.
SCRIPT_B = r"\\mathcal\s*\{?\s*B\b\s*\}?"
LATEX_RULES = {
    "epsilon": (r"\\epsilon(?![a-zA-Z])", "write \\varepsilon (ε), not \\epsilon (ϵ)"),
    "script-B": (SCRIPT_B, "the batch is a plain subscript B: \\mu_B, \\sigma^2_B"),
    "batch-size": (r"\\frac\s*\{?\s*1\s*\}?\s*\{?\s*[NB]\b|(?<![\w\\])[NB]\s*-\s*1\b|\\sqrt\s*\{?\s*[NB]\b"
                   r"|\^\s*\{?\s*[NB]\b|(?<![\w\\])[NB]\s*=\s*\d|\bm\s*=\s*N\b|/\s*[NB]\b"
                   r"|(?<![\w\\_{])B(?![\w}])",
                   "m is the batch size and n a data set's size; N is only a shape letter, B only the subscript of μ_B"),
    "bare-sigma": (r"(?<!_)(?<!_\{)\\sigma(?![a-zA-Z])(?!\s*(?:_|\^\s*\{?\s*2\s*\}?\s*_|\(|\\left\s*\(|'|\^\s*\\prime))",
                   "σ(·) is the sigmoid; a standard deviation or variance carries its subscript (σ_B, σ²_B)"),
    "gamma-reuse": (r"\\gamma\s*\^\s*\{?\s*\\top", "γ is the scale of a normalization: name this vector otherwise"),
}
GAIN = r"(?<![\w\\'^_])g(?![\w'(])"                 # a lone g: layer norm's gain written g
BIAS = r"(?<![\w\\'^_])b(?![\w'(])"
MESSAGES = {"gain-bias": "layer norm's gain and bias are γ and β, as for every normalization",
            "H-not-height": "H is the height only: the Hessian is ∇²L, the hidden width d_h",
            "momentum": "qualify momentum: BN's momentum (new-batch weight) or SGD momentum",
            "script-B-prose": "μ_B with a plain B, not 𝓑",
            "epsilon-prose": "ε, not ϵ",
            "batch-size-prose": "the batch size is m"}
PROSE_RULES = {
    "epsilon-prose": r"ϵ",
    "script-B-prose": r"𝓑|ℬ",
    "batch-size-prose": r"\bbatch(?:es)? (?:size |of )?[NB]\b",
}
MOMENTUM = re.compile(r"\bmomentum\b", re.I)
# the Latin words may carry a Korean particle (BN의 momentum, SGD의 모멘텀), and the Korean edition's
# own qualifiers count: 이동 평균/통계량 (running), 새 배치 (new batch), 배치 정규화, 경사 하강법
MOMENTUM_QUALIFIER = re.compile(r"(?<![A-Za-z])BN(?![A-Za-z])|batch[- ]norm|running|moving|new batch|"
                                r"(?<![A-Za-z])SGD(?![A-Za-z])|optimi[sz]er|velocity|heavy[- ]ball|Nesterov|"
                                r"이동 (?:평균|통계량|추정값)|새 배치|배치 정규화|경사 하강법", re.I)

MATH = re.compile(r"\$\$(.*?)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)
CODE = re.compile(r"^\s*(```|~~~).*?^\s*\1|`[^`\n]*`", re.S | re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\"])|\n\s*\n|\n\s*[*-]\s|\|")


@dataclass
class Finding:
    cell: int
    rule: str
    text: str

    @property
    def message(self):
        return MESSAGES.get(self.rule) or LATEX_RULES[self.rule][1]


def lint_markdown(source, cell=0):
    """The findings in one markdown cell's source."""
    found = []
    text = CODE.sub(" ", source)
    maths = [m.group(1) if m.group(1) is not None else m.group(2) for m in MATH.finditer(text)]
    for expr in maths:
        for rule, (pattern, _) in LATEX_RULES.items():
            # \mathcal B is script-B's finding, not also a batch size
            seen = re.sub(SCRIPT_B, "𝓑", expr) if rule == "batch-size" else expr
            found += [Finding(cell, rule, expr.strip()) for _ in re.finditer(pattern, seen)]
        if re.search(r"(?<![\w\\])H(?![\w])", expr) and not re.search(r"(?<![\w\\])W(?![\w])", expr):
            found.append(Finding(cell, "H-not-height", expr.strip()))
    # a gain g and a bias b in one cell (a lone g alone is often an index, such as a group)
    gains = [e for e in maths if re.search(GAIN, e)]
    biases = [e for e in maths if re.search(BIAS, e)]
    if gains and biases:
        found += [Finding(cell, "gain-bias", e.strip()) for e in maths if e in gains or e in biases]
    prose = MATH.sub(" ", text)
    for rule, pattern in PROSE_RULES.items():
        found += [Finding(cell, rule, m.group()) for m in re.finditer(pattern, prose)]
    for sentence in SENTENCE_END.split(prose):
        if MOMENTUM.search(sentence) and not MOMENTUM_QUALIFIER.search(sentence):
            found.append(Finding(cell, "momentum", " ".join(sentence.split())[:120]))
    return found


def lint_cells(cells):
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            src = cell["source"]
            found += lint_markdown("".join(src) if isinstance(src, list) else src, i)
    return found


def lint_notebook(path):
    with open(path, encoding="utf-8") as f:
        return lint_cells(json.load(f)["cells"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every finding")
    parser.add_argument("--check", action="store_true", help="exit 1 if anything is found")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path(__file__).resolve().parent.parent.glob("notebooks/*.ipynb"))
    total = 0
    for path in paths:
        found = lint_notebook(path)
        total += len(found)
        counts = Counter(f.rule for f in found)
        summary = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items())) or "complies"
        print(f"{Path(path).stem}: {len(found)} — {summary}")
        if args.verbose:
            for f in found:
                print(f"    cell {f.cell:>2} {f.rule:<16} {f.text[:70]!r}: {f.message}")
    print(f"{total} findings against docs/notation.md")
    return 1 if args.check and total else 0


if __name__ == "__main__":
    sys.exit(main())
