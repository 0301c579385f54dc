"""Generate the student versions of every notebook with nbgrader (`make assignments`).

    python instructor/assignments.py [--root DIR] [--edition en|ko] [ASSIGNMENT ...]

First rebuilds instructor/source/ from the course notebooks and the solutions (build_source.py),
then runs `nbgrader generate_assignment` for each assignment (default: all ten) in the course
directory DIR (default instructor/): the student versions are DIR/release/<NN_name>/<NN_name>.ipynb
— the course notebook without outputs, plus one locked autograder-test cell after each exercise,
whose hidden test is removed. Hand those out. With --edition ko (make assignments EDITION=ko) the
same from the Korean edition, notebooks/ko/, in instructor/ko/ (source/ and release/). Run with the instructor environment's Python
(.venv-instructor, which has nbgrader).
"""

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_source  # noqa: E402
from course import HERE, KOREAN_ROOT, SOURCE, assignment_ids, nbgrader_api, run_nbgrader  # noqa: E402


def generate(root=None, assignments=None, rebuild=True, edition="en"):
    """Generate the release versions under ``root``/release (default instructor/, or instructor/ko/
    for the Korean edition); returns their paths."""
    if edition == "ko":                            # always built from notebooks/ko/ into root/source
        root = Path(root or KOREAN_ROOT).resolve()
        _, pending = build_source.build(write=True, edition="ko", source=root / "source")
        for nb, checker, reason in pending:
            print(f"not gradable yet: {nb} lesson.{checker}: {reason}", file=sys.stderr)
        api = nbgrader_api(root)
        out = []
        for a in assignments or sorted(p.name for p in (root / "source").iterdir() if p.is_dir()):
            run_nbgrader(api.generate_assignment(a, force=True, create=True), f"generate_assignment {a}")
            out.append(root / "release" / a / f"{a}.ipynb")
        return out
    root = Path(root or HERE).resolve()
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
    parser.add_argument("--root", default=None,
                        help="the nbgrader course directory (default instructor/, or instructor/ko/ with --edition ko)")
    parser.add_argument("--edition", choices=("en", "ko"), default="en",
                        help="en: the English notebooks; ko: the Korean edition (notebooks/ko/), whose "
                             "checkers answer in Korean")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="use instructor/source/ as committed (do not rebuild it from the notebooks)")
    args = parser.parse_args(argv)
    unknown = set(args.assignments) - set(assignment_ids())
    if unknown:
        sys.exit(f"unknown assignment(s) {sorted(unknown)}; they are {assignment_ids()}")
    for path in generate(args.root, args.assignments or None, rebuild=not args.no_rebuild,
                         edition=args.edition):
        print(f"student version: {path}")


if __name__ == "__main__":
    main()
