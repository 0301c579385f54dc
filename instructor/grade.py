"""Autograde a folder of submitted notebooks with nbgrader and write one CSV row per student and
exercise (`make grade SUBMISSIONS=dir`).

    python instructor/grade.py SUBMISSIONS [--out grades.csv] [--workdir DIR] [--cell-timeout S]

SUBMISSIONS/<student>/<NN_name>.ipynb — one folder per student (its name is the student id), each
holding the notebooks that student hands in, under their course names (05_batch_norm_inference.ipynb).
A student may hand in any subset; a notebook nobody handed in is not graded.

Columns: student, notebook, exercise (the checker), score, max_score, feedback (the checker's
words, or a sentence saying why the exercise got no credit). Never stops on one bad submission:
a file that is not a notebook, a deleted exercise cell, code that raises or loops (each cell is
stopped after --cell-timeout s, each checker call after 10 s) give 0 with a sentence, and every
other student is graded as usual. The nbgrader course directory (gradebook, autograded notebooks)
is left in --workdir for a look. Run with the instructor environment's Python (.venv-instructor).
"""

import argparse
import csv
import json
import shutil
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assignments as assignments_mod  # noqa: E402
from course import CELL_TIMEOUT, REPO, SOURCE, assignment_ids, nbgrader_api, use_course_kernel  # noqa: E402

COLUMNS = ["student", "notebook", "exercise", "score", "max_score", "feedback"]


def graded_exercises(assignment):
    """[(grade_id, points)] of the hidden-test cells of an assignment's source, in order."""
    nb = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text())
    return [(c["metadata"]["nbgrader"]["grade_id"], c["metadata"]["nbgrader"]["points"])
            for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]


def read_notebook(path):
    """None if ``path`` is a readable Jupyter notebook, else the sentence why not."""
    import nbformat
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as err:
        kind = ("is not a Jupyter notebook (not JSON)" if isinstance(err, (ValueError, UnicodeDecodeError))
                and "JSON" in type(err).__name__ + str(err) else "is not a valid Jupyter notebook")
        return f"{path.name} {kind}: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
    return None


def scan(submissions):
    """({student: {assignment: path}}, [rows for files that cannot be graded])."""
    known = set(assignment_ids())
    students, rows = {}, []
    for sdir in sorted(p for p in Path(submissions).iterdir() if not p.name.startswith(".")):
        if not sdir.is_dir():
            rows.append([sdir.name, "", "", 0, 0, "ignored: not a student folder (expected "
                         "SUBMISSIONS/<student>/<NN_name>.ipynb)"])
            continue
        got = students.setdefault(sdir.name, {})
        for f in sorted(p for p in sdir.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
            stem = f.name.split(".")[0]
            if stem not in known:
                rows.append([sdir.name, f.name, "", 0, 0, "ignored: not one of the course's notebooks "
                             f"({', '.join(sorted(known))})"])
            elif f.suffix != ".ipynb":
                got.setdefault(stem, f"{f.name} is not a Jupyter notebook (expected {stem}.ipynb)")
            else:
                problem = read_notebook(f)
                got[stem] = problem if problem else f
    return students, rows


def align_with_release(path, release):
    """The submitted notebook's text, with nbgrader's cell metadata put back from the student version
    where it is missing (matched by cell id), and every autograder-test cell missing from it put
    back right after its exercise cell: a student who worked in a copy of the course notebook itself
    (which has no nbgrader metadata) is graded like one who worked in the student version."""
    nb = json.loads(Path(path).read_text())
    rel = json.loads(Path(release).read_text())["cells"]
    meta = {c.get("id"): c["metadata"]["nbgrader"] for c in rel if "nbgrader" in c.get("metadata", {})}
    for c in nb["cells"]:
        if c.get("id") in meta and "nbgrader" not in c.setdefault("metadata", {}):
            c["metadata"]["nbgrader"] = meta[c["id"]]
    have = {c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]}
    for i, c in enumerate(rel):
        g = c.get("metadata", {}).get("nbgrader", {})
        if g.get("grade") and not g.get("solution") and g["grade_id"] not in have and i > 0:
            at = next((k for k, s in enumerate(nb["cells"]) if s.get("id") == rel[i - 1].get("id")), None)
            if at is not None:                     # else nbgrader's add_missing_cells puts it back
                nb["cells"].insert(at + 1, c)
    return json.dumps(nb, indent=1, ensure_ascii=False)


def feedback_of(autograded, grade_id):
    """(text of the hidden test's printed feedback, its error message or None) in an autograded notebook."""
    nb = json.loads(Path(autograded).read_text())
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            printed = "".join("".join(o.get("text", "")) for o in c.get("outputs", [])
                              if o.get("output_type") == "stream").strip()
            errors = [o for o in c.get("outputs", []) if o.get("output_type") == "error"]
            if not errors:
                return printed, None
            e = errors[-1]
            if e["ename"] == "AssertionError":
                return printed, e["evalue"] or printed
            if e["ename"] in ("KeyboardInterrupt", "CellTimeoutError"):
                return printed, "the test was stopped: it ran longer than the time limit (an endless loop?)"
            return printed, f"{e['ename']}: {e['evalue']}"
    return "", "the exercise's test cell is missing from the graded notebook"


def grade(submissions, out_csv, workdir, cell_timeout=CELL_TIMEOUT, log=print):
    """Autograde ``submissions``; write ``out_csv``; return the rows."""
    submissions, workdir = Path(submissions), Path(workdir).resolve()
    if not submissions.is_dir():
        raise NotADirectoryError(f"SUBMISSIONS must be a folder of student folders; {submissions} is not one")
    students, rows = scan(submissions)
    wanted = sorted({a for per in students.values() for a in per if graded_exercises(a)})
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    use_course_kernel(workdir / "jupyter")
    warnings.filterwarnings("ignore", message=".*not in session.*")    # nbgrader 0.9's SQLAlchemy chatter
    if wanted:
        assignments_mod.generate(workdir, wanted, rebuild=False)
    api = nbgrader_api(workdir, cell_timeout)
    from nbgrader.api import Gradebook, MissingEntry
    for a in wanted:
        exercises = graded_exercises(a)
        for student, per in sorted(students.items()):
            entry = per.get(a)
            if entry is None:
                rows += [[student, a, g, 0, p, "not handed in"] for g, p in exercises]
                continue
            if isinstance(entry, str):
                rows += [[student, a, g, 0, p, f"no credit: {entry}"] for g, p in exercises]
                continue
            dest = workdir / "submitted" / student / a / f"{a}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(align_with_release(entry, workdir / "release" / a / f"{a}.ipynb"))
            log(f"autograding {student} / {a} ...")
            result = api.autograde(a, student, force=True, create=True)
            autograded = workdir / "autograded" / student / a / f"{a}.ipynb"
            if not result.get("success") or not autograded.exists():
                why = [ln for ln in (result.get("log", "") + "\n" + result.get("error", "")).splitlines()
                       if ln.strip()]
                reason = next((ln.strip() for ln in reversed(why) if "Error" in ln or "error" in ln), "")
                rows += [[student, a, g, 0, p, f"no credit: nbgrader could not grade this notebook "
                          f"({reason[:200]})"] for g, p in exercises]
                continue
            with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}") as gb:
                try:
                    nb = gb.find_submission_notebook(a, a, student)
                    scores = {g.name: (g.auto_score or 0.0, g.max_score) for g in nb.grades}
                except MissingEntry:
                    scores = {}
            for g, p in exercises:
                score, max_score = scores.get(g, (0.0, p))
                printed, error = feedback_of(autograded, g)
                text = printed if error is None else error
                rows.append([student, a, g, score, max_score, " ".join(text.split())])
    order = {a: i for i, a in enumerate(assignment_ids())}
    rows.sort(key=lambda r: (r[0], order.get(r[1], len(order))))     # per student; exercises in order
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows([[s, nb, ex, f"{float(sc):g}", f"{float(mx):g}", fb] for s, nb, ex, sc, mx, fb in rows])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", help="folder of SUBMISSIONS/<student>/<NN_name>.ipynb")
    parser.add_argument("--out", default=str(REPO / "build" / "instructor" / "grades.csv"))
    parser.add_argument("--workdir", default=str(REPO / "build" / "instructor" / "grading"),
                        help="the nbgrader course directory of this run (emptied first)")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds any one cell may run before it is stopped (default {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    rows = grade(args.submissions, args.out, args.workdir, args.cell_timeout)
    total = {}
    for s, _, ex, sc, mx, _ in rows:
        if ex:
            t = total.setdefault(s, [0.0, 0.0])
            t[0] += float(sc)
            t[1] += float(mx)
    for s, (sc, mx) in sorted(total.items()):
        print(f"{s:<24} {sc:g} / {mx:g}")
    print(f"per-exercise scores and feedback: {args.out}")


if __name__ == "__main__":
    main()
