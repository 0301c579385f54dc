"""Each lesson package exports exactly what its notebook uses as ``lesson.X``, so the exports cannot grow.

"Uses" = the names after ``lesson.`` in the notebook's code cells, plus those its prose tells the
student to call (``lesson.precise_bn(...)`` in a "Going further" item), in the English and the Korean
notebook. Nothing else needs the package: the explorers registry (``normlib.lessons.EXPLORERS``) reads
each ``lNN_*.explorer`` module directly, and the instructor tools (build_source.py, grade_notebook.py,
runner.py) reach only the checkers, ``lesson.check_*``, which the notebook's exercise cells call — the
two last tests say so. Tests, long runs and other lessons import everything else from the submodule
where it lives."""

import inspect
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from normlib.explorer import Explorer
from normlib.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]
USE = re.compile(r"\blesson\.([A-Za-z_]\w*)")
LESSON_IMPORT = re.compile(r"^\s*from normlib\.lessons import (\w+) as lesson\s*$", re.M)


def cells(lesson, kind, language=""):
    path = ROOT / "notebooks" / language / f"{lesson[1:]}.ipynb"
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


def uses(lesson, kinds=("code", "markdown")):
    return {name for language in ("", "ko") for kind in kinds for text in cells(lesson, kind, language)
            for name in USE.findall(text)}


def package(lesson):
    return __import__(f"normlib.lessons.{lesson}", fromlist=["__all__"])


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_notebook_imports_its_own_lesson_and_no_other(lesson):
    for language in ("", "ko"):
        code = "\n".join(cells(lesson, "code", language))
        assert LESSON_IMPORT.findall(code) == [lesson], language or "en"
        assert code.count("normlib.lessons") == 1, language or "en"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_package_exports_exactly_what_its_notebook_uses(lesson):
    pkg = package(lesson)
    exported = pkg.__all__
    assert len(set(exported)) == len(exported), "a name twice in __all__"
    used = uses(lesson)
    assert used - set(exported) == set(), "the notebook uses names the package does not export"
    assert set(exported) - used == set(), "exported, but the notebook never uses them: import them " \
                                          "from their submodule where they are needed"
    # and nothing public beside __all__ (submodules aside: importing one makes it an attribute)
    public = {n for n, v in vars(pkg).items() if not n.startswith("_") and not isinstance(v, ModuleType)}
    assert public == set(exported)


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_code_cells_alone_use_almost_all_of_it(lesson):
    """The prose adds only a few names (optional "Going further" calls); a guard against a list in
    the prose being used to keep internals exported."""
    prose_only = uses(lesson) - uses(lesson, kinds=("code",))
    assert len(prose_only) <= 3, sorted(prose_only)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_checker_is_exported_for_the_instructor_tools(lesson):
    pkg = package(lesson)
    try:
        exercises = __import__(f"normlib.lessons.{lesson}.exercises", fromlist=["_"])
    except ModuleNotFoundError:                     # 06 has no exercises
        return
    checkers = {n for n, f in vars(exercises).items()
                if n.startswith("check_") and inspect.isfunction(f) and f.__module__ == exercises.__name__}
    assert checkers and checkers <= set(pkg.__all__)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_explorer_the_registry_finds_is_one_the_notebook_builds(lesson):
    from normlib.lessons import EXPLORERS
    pkg = package(lesson)
    mine = {cls.__name__ for cls in EXPLORERS.values()
            if cls.__module__.startswith(f"normlib.lessons.{lesson}.")}
    exported = {n for n in pkg.__all__
                if inspect.isclass(getattr(pkg, n)) and issubclass(getattr(pkg, n), Explorer)}
    assert mine == exported
