"""Generate the student versions of every notebook with nbgrader (`make assignments`).

    python instructor/assignments.py [--root DIR] [ASSIGNMENT ...]

First rebuilds instructor/source/ from the course notebooks and the solutions (build_source.py),
then runs `nbgrader generate_assignment` for each assignment (default: all ten) in the course
directory DIR (default instructor/): the student versions are DIR/release/<NN_name>/<NN_name>.ipynb
— the course notebook without outputs, plus one locked autograder-test cell after each exercise,
whose hidden test is removed. Hand those out. Run with the instructor environment's Python
(.venv-instructor, which has nbgrader).
"""

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_source  # noqa: E402
from course import HERE, SOURCE, assignment_ids, nbgrader_api, run_nbgrader  # noqa: E402


def generate(root=HERE, assignments=None, rebuild=True):
    """Generate the release versions under ``root``/release; returns their paths."""
    root = Path(root).resolve()
    if rebuild:
        _, pending = build_source.build(write=True)
        for nb, checker, reason in pending:
            print(f"not gradable yet: {nb} lesson.{checker}: {reason}", file=sys.stderr)
    if root != HERE.resolve():                     # a separate course directory (grading, tests)
        if (root / "source").exists():
            shutil.rmtree(root / "source")
        shutil.copytree(SOURCE, root / "source")
    ids = assignments or assignment_ids()
    api = nbgrader_api(root)
    out = []
    for a in ids:
        run_nbgrader(api.generate_assignment(a, force=True, create=True), f"generate_assignment {a}")
        out.append(root / "release" / a / f"{a}.ipynb")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="e.g. 05_batch_norm_inference (default: all)")
    parser.add_argument("--root", default=str(HERE), help="the nbgrader course directory (default instructor/)")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="use instructor/source/ as committed (do not rebuild it from the notebooks)")
    args = parser.parse_args(argv)
    unknown = set(args.assignments) - set(assignment_ids())
    if unknown:
        sys.exit(f"unknown assignment(s) {sorted(unknown)}; they are {assignment_ids()}")
    for path in generate(args.root, args.assignments or None, rebuild=not args.no_rebuild):
        print(f"student version: {path}")


if __name__ == "__main__":
    main()
