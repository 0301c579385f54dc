"""What the instructor scripts share: the course's paths, the grader's limits, and nbgrader's
configuration.

nbgrader runs in its own environment (.venv-instructor, from requirements-instructor.txt) and makes
the student versions (make assignments). Grading (grade.py) does not use it: every notebook runs in a
bubblewrap sandbox with the course's environment (.venv), the one the notebooks are tested in, so
grading sees exactly the numpy, matplotlib and normlib the students have. (nbgrader_config.py keeps
`nbgrader autograde` by hand working, unsandboxed: see INSTRUCTORS.md.)
"""

import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NOTEBOOKS = REPO / "notebooks"
SOURCE = HERE / "source"                 # nbgrader's source/<assignment>/<assignment>.ipynb (committed)
KOREAN_ROOT = HERE / "ko"                # the Korean edition's nbgrader course directory (not committed)
SOLUTIONS = HERE / "solutions"           # lNN_<name>.py: EXERCISES = {checker: {solution, mistake, diagnosis}}

# nbgrader puts its code_stub where a solution region was; the course's stubs differ from cell to
# cell (each already sits in the cell, outside the region), so the stub is a marker line that
# DropSolutionMarker then deletes: the student version gets the course cell back, unchanged.
STUB_MARKER = "# <nbgrader: solution removed>"

CELL_TIMEOUT = 60        # s per cell under autograding (the course's slowest cell takes a few s)
EXERCISE_TIMEOUT = 10    # s for one call of a student's function by a checker (they take milliseconds)
MEMORY_MB = 4096         # address space of a sandboxed notebook, MiB


def edition_paths(edition):
    """(course notebooks, instructor source) of an edition: "en" → notebooks/, instructor/source/;
    "ko" → notebooks/ko/, instructor/ko/source/. The two have the same cells, ids and code."""
    if edition == "en":
        return NOTEBOOKS, SOURCE
    if edition == "ko":
        return NOTEBOOKS / "ko", KOREAN_ROOT / "source"
    raise ValueError(f"edition must be 'en' or 'ko'; got {edition!r}")


def assignment_ids():
    """The assignments: one per course notebook, named after it (00_overview, …)."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


def course_python():
    """The course environment's Python: $COURSE_PYTHON, else .venv/bin/python of this clone."""
    python = Path(os.environ.get("COURSE_PYTHON", REPO / ".venv" / "bin" / "python"))
    if not python.exists():
        raise FileNotFoundError(f"the course's Python {python} does not exist: run `make test` "
                                "(or set COURSE_PYTHON) first")
    return python


def use_course_kernel(jupyter_dir):
    """Make the kernel named "python3" (the notebooks' kernelspec) the course's .venv Python, for
    the kernels this process starts: a kernelspec in ``jupyter_dir`` put first on JUPYTER_PATH."""
    spec_dir = Path(jupyter_dir) / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [str(course_python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (normlib course)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(jupyter_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])


def drop_solution_marker_class():
    from nbgrader.preprocessors import NbGraderPreprocessor

    class DropSolutionMarker(NbGraderPreprocessor):
        """Delete the lines ClearSolutions left where a solution region was (STUB_MARKER)."""

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type == "code" and STUB_MARKER in cell.source:
                cell.source = "\n".join(line for line in cell.source.split("\n")
                                        if line.strip() != STUB_MARKER)
            return cell, resources

    return DropSolutionMarker


def nbgrader_config(root, cell_timeout=CELL_TIMEOUT):
    """The nbgrader configuration of a course directory ``root`` (source/, release/, submitted/,
    autograded/ and gradebook.db under it)."""
    from traitlets.config import Config
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearSolutions

    c = Config()
    c.CourseDirectory.root = str(Path(root).resolve())
    c.ClearSolutions.code_stub = {"python": STUB_MARKER}
    pre = list(GenerateAssignment.class_traits()["preprocessors"].default())
    pre.insert(pre.index(ClearSolutions) + 1, drop_solution_marker_class())
    c.GenerateAssignment.preprocessors = pre
    c.OverwriteCells.add_missing_cells = True        # a deleted hidden-test cell is put back
    c.Execute.timeout = int(cell_timeout)            # per cell; the kernel is interrupted after it
    c.Execute.interrupt_on_timeout = True
    c.Exchange.root = str(Path(root).resolve() / "exchange")   # unused; keeps nbgrader off /srv
    return c


def nbgrader_api(root, cell_timeout=CELL_TIMEOUT):
    from nbgrader.apps import NbGraderAPI
    # nbgrader runs `alembic` (its gradebook migrations) by name: put this environment's bin/ first
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    Path(root, "exchange").mkdir(parents=True, exist_ok=True)
    return NbGraderAPI(config=nbgrader_config(root, cell_timeout))


def run_nbgrader(result, what):
    """Raise with nbgrader's log when an API call failed."""
    if not result.get("success"):
        raise RuntimeError(f"nbgrader {what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")
    return result


CHECK_LINE = re.compile(r"^print\(lesson\.(check_\w+)\((.*)\)\)\s*(#.*)?$")


def main_guard():
    if sys.version_info < (3, 10):
        sys.exit("the instructor scripts need Python 3.10 or newer")
