"""Build nbgrader's instructor source, instructor/source/<NN_name>/<NN_name>.ipynb, from the course's
notebooks (notebooks/NN_name.ipynb) and the reference solutions (instructor/solutions/lNN_name.py).

Every code cell whose line `print(lesson.check_…(…))` calls an exercise checker becomes an nbgrader
solution cell: the course's cell unchanged, with the reference solution inserted right before that
line between nbgrader's solution markers (it redefines what the stub above it left undone). After it
comes a locked, 1-point "autograder tests" cell whose hidden test calls the same checker on the same
names and passes when the checker says the answer is correct; the checker's words are the feedback.
The student version nbgrader generates from this is the course notebook, cell for cell, plus one
test cell per exercise (tests/instructor/ checks that).

    python instructor/build_source.py            # writes instructor/source/ (commit it)
    python instructor/build_source.py --check    # exit 1 if instructor/source/ is out of date
    python instructor/build_source.py --edition ko   # the Korean edition's, instructor/ko/source/

Stdlib only: runs with any Python 3.10+.
"""

import argparse
import ast
import copy
import importlib.util
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import CHECK_LINE, EXERCISE_TIMEOUT, SOLUTIONS, SOURCE, edition_paths  # noqa: E402

LESSON_IMPORT = re.compile(r"from normlib\.lessons import (l\d\d_\w+) as lesson")

HIDDEN_TEST = '''\
# Autograder (hidden test): full credit when lesson.{checker}({args}) says the answer is correct.
### BEGIN HIDDEN TESTS
import signal as _signal
from normlib.checking import is_correct as _is_correct
from normlib.lessons import {module} as _lesson

class _TooSlow(BaseException):
    pass

def _too_slow(signum, frame):
    raise _TooSlow()

_alarm = getattr(_signal, "alarm", lambda seconds: None)     # no time limit where there is no SIGALRM
if hasattr(_signal, "SIGALRM"):
    _signal.signal(_signal.SIGALRM, _too_slow)
_alarm({timeout})
try:
    _feedback = str(_lesson.{checker}({args}))
except _TooSlow:
    raise AssertionError("stopped after {timeout} s: the exercise's code did not finish "
                         "(an endless loop?)") from None
except NameError as _err:
    raise AssertionError(f"{{_err}}: the exercise cell is missing or was not run") from None
except Exception as _err:
    raise AssertionError(f"the checker could not use your answer: {{type(_err).__name__}}: {{_err}}") from None
finally:
    _alarm(0)
print(_feedback)
assert _is_correct(_feedback), _feedback       # "correct…" or "k/k correct", in English or Korean
### END HIDDEN TESTS'''


def load_solutions():
    """{notebook stem: {checker: entry}} from instructor/solutions/lNN_<name>.py."""
    out = {}
    for path in sorted(SOLUTIONS.glob("l[0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"solutions_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out[path.stem[1:]] = module.EXERCISES
    return out


def text(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def exercises(cells):
    """[(cell index, line index, checker, argument names or None)] for every checker call; the
    names are None when an argument is not a plain name (a literal in the call: no hidden test
    can read it back)."""
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code" or "lesson.check_" not in text(cell):
            continue
        for j, line in enumerate(text(cell).split("\n")):
            m = CHECK_LINE.match(line)
            if not m:
                continue
            call = ast.parse(line).body[0].value.args[0]
            names = [a.id for a in call.args] if all(isinstance(a, ast.Name) for a in call.args) \
                and not call.keywords else None
            found.append((i, j, m[1], names))
    return found


def source_notebook(nb_path, solutions, pending):
    """The instructor source of one course notebook (a new dict). Exercises whose course cell is
    not gradable yet are appended to ``pending`` as (notebook, checker, reason)."""
    nb = json.loads(nb_path.read_text())
    cells = nb["cells"]
    m = next((LESSON_IMPORT.search(text(c)) for c in cells if LESSON_IMPORT.search(text(c))), None)
    found = exercises(cells)
    if found and m is None:
        raise ValueError(f"{nb_path.name}: exercises, but no `from normlib.lessons import … as lesson`")
    out = []
    by_cell = {i: (j, checker, names) for i, j, checker, names in found}
    if len(by_cell) != len(found):
        raise ValueError(f"{nb_path.name}: two checker calls in one cell")
    for checker in sorted(set(solutions) - {c for _, _, c, _ in found}):
        raise ValueError(f"{nb_path.name}: a solution for {checker}, but no cell calls it")
    for i, cell in enumerate(cells):
        cell = copy.deepcopy(cell)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell.get("metadata", {}).pop("execution", None)
        out.append(cell)
        if i not in by_cell:
            continue
        j, checker, names = by_cell[i]
        if checker not in solutions:
            raise ValueError(f"{nb_path.name}: cell {i} calls lesson.{checker}, but "
                             f"instructor/solutions/l{nb_path.stem}.py has no solution for it")
        if names is None:
            pending.append((nb_path.stem, checker, "the answer is a literal inside the check call; "
                            "name it in a variable, then pass the variable"))
            continue
        entry = solutions[checker]
        lines = text(cell).split("\n")
        solution = entry["solution"].replace("{answer}", names[0] if names else "answer")
        lines[j:j] = ["### BEGIN SOLUTION", *solution.split("\n"), "### END SOLUTION"]
        cell["source"] = "\n".join(lines)
        cell["metadata"]["nbgrader"] = {"grade": False, "grade_id": f"{checker}-answer", "locked": False,
                                        "schema_version": 3, "solution": True, "task": False}
        test_id = f"autograde-{checker}"[:64]
        args = ", ".join(names)
        out.append({"cell_type": "code", "execution_count": None, "id": test_id,
                    "metadata": {"nbgrader": {"grade": True, "grade_id": checker, "locked": True,
                                              "points": 1, "schema_version": 3, "solution": False,
                                              "task": False}},
                    "outputs": [],
                    "source": HIDDEN_TEST.format(checker=checker, args=args, module=m[1],
                                                 timeout=EXERCISE_TIMEOUT)})
    nb["cells"] = out
    for cell in out:                               # nbformat's list-of-lines form, as Jupyter saves
        cell["source"] = text(cell).splitlines(keepends=True)
    return nb


def build(write=True, edition="en", source=None):
    """{path: notebook text} of the whole source; written when ``write``. Returns (texts, pending).

    edition "en" reads notebooks/ and writes instructor/source/ (committed); "ko" reads the Korean
    edition, notebooks/ko/ (the same cells, ids and code, in Korean), and writes ``source``
    (default instructor/ko/source/, made by `make assignments EDITION=ko`, not committed)."""
    solutions = load_solutions()
    notebook_dir, default_source = edition_paths(edition)
    source = Path(source) if source else default_source
    notebooks = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if edition == "en":
        unknown = set(solutions) - {p.stem for p in notebooks}
        if unknown:
            raise ValueError(f"solutions for notebooks that do not exist: {sorted(unknown)}")
    elif not notebooks:
        raise FileNotFoundError(f"no Korean notebooks in {notebook_dir}: build them first (make notebooks)")
    texts, pending = {}, []
    for path in notebooks:
        nb = source_notebook(path, solutions.get(path.stem, {}), pending)
        texts[source / path.stem / path.name] = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if write:
        for old in source.glob("*/*.ipynb"):
            if old not in texts:
                old.unlink()
        for p, t in texts.items():
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists() or p.read_text() != t:
                p.write_text(t)
    return texts, pending


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that instructor/source is up to date")
    parser.add_argument("--edition", choices=("en", "ko"), default="en",
                        help="en: notebooks/ → instructor/source/; ko: notebooks/ko/ → instructor/ko/source/")
    args = parser.parse_args(argv)
    texts, pending = build(write=not args.check, edition=args.edition)
    for nb, checker, reason in pending:
        print(f"not gradable yet: {nb} lesson.{checker}: {reason} (see INSTRUCTORS.md)", file=sys.stderr)
    if args.check:
        stale = [str(p.relative_to(SOURCE.parent.parent)) for p, t in texts.items()
                 if not p.exists() or p.read_text() != t]
        if stale:
            sys.exit("out of date (run make assignments): " + ", ".join(stale))
    n = sum(len(exercises(json.loads(t)["cells"])) for t in texts.values())
    print(f"instructor/source: {len(texts)} notebooks, {n} exercises, {len(pending)} not gradable yet")


if __name__ == "__main__":
    main()
