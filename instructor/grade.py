"""Autograde a folder of submitted notebooks, each in a sandbox, and write the gradebook
(`make grade SUBMISSIONS=dir [JOBS=n] [CELL_TIMEOUT=s]`; see INSTRUCTORS.md).

    python instructor/grade.py SUBMISSIONS [--out grades.csv] [--jobs N] [--cell-timeout S]
                               [--exercise-timeout S] [--memory-mb M] [--no-bom]

SUBMISSIONS/<student>/<NN_name>.ipynb — one folder per student (its name is the student id), each
holding the notebooks that student hands in, under their course names (05_batch_norm_inference.ipynb).
A student may hand in any subset; a notebook nobody handed in is not graded.

Every (student, notebook) is graded by a process of its own (instructor/grade_notebook.py, the
course's Python), N at a time (default: every core), and that process runs the notebook in a
bubblewrap sandbox and never trusts it: see grade_notebook.py. Nothing one notebook does — a crash,
a kill, an endless loop, a planted file — reaches another student's grade or the instructor's files.

Writes, in UTF-8 with a byte-order mark (so spreadsheets show μ and σ; --no-bom for plain UTF-8):
  grades.csv   one row per student and exercise: student, notebook, exercise, score, max_score,
               feedback (the checker's words, or a sentence saying what happened). Rows are added
               as each notebook is graded; an earlier run's file is removed first.
  totals.csv   next to it: one row per student, a column per notebook, total and max_score.
Everything the notebooks printed goes to logs/<student>/<NN_name>.log next to them.

Standard library only: runs with any Python 3.10+ (the grading itself runs in the course's .venv).
"""

import argparse
import concurrent.futures
import csv
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import (CELL_TIMEOUT, EXERCISE_TIMEOUT, MEMORY_MB, REPO, SOURCE, assignment_ids,  # noqa: E402
                    course_python, main_guard)

COLUMNS = ["student", "notebook", "exercise", "score", "max_score", "feedback"]
GRADER = Path(__file__).resolve().parent / "grade_notebook.py"


def graded_exercises(assignment):
    """[(grade_id, points)] of the hidden-test cells of an assignment's source, in order."""
    nb = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    return [(c["metadata"]["nbgrader"]["grade_id"], c["metadata"]["nbgrader"]["points"])
            for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]


def code_cells(assignment):
    nb = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    return sum(c["cell_type"] == "code" for c in nb["cells"])


def scan(submissions):
    """({student: {assignment: path or the sentence why it cannot be graded}}, [rows for files
    that are not part of any student's submission])."""
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
            if f.is_symlink() or any((sdir / p).is_symlink() for p in f.relative_to(sdir).parents if str(p) != "."):
                rows.append([sdir.name, f.name, "", 0, 0, "ignored: a symbolic link (hand in the file itself)"])
            elif stem not in known:
                rows.append([sdir.name, f.name, "", 0, 0, "ignored: not one of the course's notebooks "
                             f"({', '.join(sorted(known))})"])
            elif f.suffix != ".ipynb":
                got.setdefault(stem, f"{f.name} is not a Jupyter notebook (expected {stem}.ipynb)")
            else:
                got[stem] = f
    return students, rows


class Gradebook:
    """grades.csv, written row by row as results come in (and sorted at the end)."""

    def __init__(self, path, bom=True):
        self.path, self.encoding = Path(path), "utf-8-sig" if bom else "utf-8"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.rows = []
        self.file = self.path.open("w", newline="", encoding=self.encoding)
        self.writer = csv.writer(self.file)
        self.writer.writerow(COLUMNS)
        self.file.flush()

    @staticmethod
    def fmt(row):
        s, nb, ex, sc, mx, fb = row
        return [s, nb, ex, f"{float(sc):g}", f"{float(mx):g}", fb]

    def add(self, rows):
        with self.lock:
            self.rows += rows
            self.writer.writerows([self.fmt(r) for r in rows])
            self.file.flush()

    def finish(self):
        self.file.close()
        order = {a: i for i, a in enumerate(assignment_ids())}
        self.rows.sort(key=lambda r: (r[0], order.get(r[1], len(order))))   # per student, in course order
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", newline="", encoding=self.encoding) as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            w.writerows([self.fmt(r) for r in self.rows])
        os.replace(tmp, self.path)


def write_totals(path, rows, assignments, encoding):
    per = {}
    for s, nb, ex, sc, mx, _ in rows:
        if ex:
            t = per.setdefault(s, {})
            got = t.setdefault(nb, [0.0, 0.0])
            got[0] += float(sc)
            got[1] += float(mx)
    with Path(path).open("w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(["student", *assignments, "total", "max_score"])
        for s in sorted(per):
            t = per[s]
            w.writerow([s, *[f"{t.get(a, [0, 0])[0]:g}" for a in assignments],
                        f"{sum(v[0] for v in t.values()):g}", f"{sum(v[1] for v in t.values()):g}"])
    return per


def grade_one(python, student, assignment, path, opts, slot, log):
    """Rows of one (student, notebook), from a grader process of its own. Whatever happens to that
    process, the rows say so and the run goes on."""
    exercises = graded_exercises(assignment)
    limit = 300 + 2 * code_cells(assignment) * (opts.cell_timeout + 10) + 20 * len(exercises) * (opts.exercise_timeout + 10)
    cmd = [str(python), str(GRADER), str(path), assignment, "--slot", str(slot), "--log", str(log),
           "--cell-timeout", str(opts.cell_timeout), "--exercise-timeout", str(opts.exercise_timeout),
           "--memory-mb", str(opts.memory_mb)]
    why = None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, start_new_session=True)
        got, cpu = {}, None
        for line in proc.stdout.splitlines():
            try:
                r = json.loads(line)
                got[r["exercise"]] = r
                cpu = r.get("cpu_s", cpu)
            except (ValueError, KeyError, TypeError):
                continue
        if proc.returncode != 0:
            err = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            why = f"the grader failed on this notebook ({err[-1][:300] if err else f'exit code {proc.returncode}'})"
    except subprocess.TimeoutExpired:
        got, cpu, why = {}, None, f"grading this notebook did not finish in {limit:g} s"
    rows = []
    for g, p in exercises:
        r = got.get(g)
        if r is None:
            rows.append([student, assignment, g, 0, p, f"no credit: {why or 'no result'}"])
        else:
            rows.append([student, assignment, g, r["score"], r["max_score"], r["feedback"]])
    return rows, cpu


def grade(submissions, out_csv, opts, log=print):
    """Grade ``submissions``; write ``out_csv`` and totals.csv next to it; return the rows."""
    submissions, out_csv = Path(submissions), Path(out_csv)
    if not submissions.is_dir():
        raise NotADirectoryError(f"SUBMISSIONS must be a folder of student folders; {submissions} is not one")
    if shutil.which("bwrap") is None:
        raise FileNotFoundError("grading runs every notebook in a bubblewrap sandbox, and `bwrap` is not "
                                "installed: apt-get install bubblewrap (see INSTRUCTORS.md)")
    totals_csv = out_csv.with_name("totals.csv")
    logs = out_csv.with_name("logs")
    for stale in (out_csv, totals_csv):            # an earlier run's results never look current
        stale.unlink(missing_ok=True)
    shutil.rmtree(logs, ignore_errors=True)
    python = course_python()
    check = subprocess.run([str(python), str(GRADER), "--self-check"], capture_output=True, text=True, timeout=300)
    if check.returncode != 0:                  # e.g. user namespaces disabled: say so before grading anyone
        raise RuntimeError(f"{check.stderr.strip()[-2000:]}")
    students, extra = scan(submissions)
    wanted = sorted({a for per in students.values() for a in per if graded_exercises(a)})
    book = Gradebook(out_csv, bom=not opts.no_bom)
    book.add(extra)
    tasks = []
    for student, per in sorted(students.items()):
        for a in wanted:
            entry = per.get(a)
            if entry is None:
                book.add([[student, a, g, 0, p, "not handed in"] for g, p in graded_exercises(a)])
            elif isinstance(entry, str):
                book.add([[student, a, g, 0, p, f"no credit: {entry}"] for g, p in graded_exercises(a)])
            else:
                tasks.append((student, a, entry))
    jobs = max(1, int(opts.jobs or os.cpu_count() or 1))
    slots = queue.Queue()
    for k in range(jobs):
        slots.put(k)
    done = [0]
    t0 = time.perf_counter()

    def work(task):
        student, a, path = task
        slot = slots.get()
        try:
            t = time.perf_counter()
            logfile = logs / student / f"{a}.log"
            logfile.parent.mkdir(parents=True, exist_ok=True)
            rows, cpu = grade_one(python, student, a, path, opts, slot, logfile)
        finally:
            slots.put(slot)
        book.add(rows)
        with book.lock:
            done[0] += 1
            score = sum(float(r[3]) for r in rows)
            mx = sum(float(r[4]) for r in rows)
            cpu_s = f", notebook {cpu:.1f} s CPU" if cpu is not None else ""
            log(f"[{done[0]}/{len(tasks)}] {student} {a}: {score:g}/{mx:g}  ({time.perf_counter() - t:.0f} s{cpu_s})",
                flush=True)

    log(f"grading {len(tasks)} notebooks of {len(students)} students, {jobs} at a time, each in a sandbox",
        flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for f in [pool.submit(work, t) for t in tasks]:
            f.result()
    book.finish()
    write_totals(totals_csv, book.rows, wanted, book.encoding)
    log(f"graded in {time.perf_counter() - t0:.0f} s", flush=True)
    return book.rows


def main(argv=None):
    main_guard()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", help="folder of SUBMISSIONS/<student>/<NN_name>.ipynb")
    parser.add_argument("--out", default=str(REPO / "build" / "instructor" / "grades.csv"))
    parser.add_argument("--jobs", type=int, default=None, help="notebooks graded at once (default: every core)")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help=f"seconds any one cell may run before it is stopped (default {CELL_TIMEOUT})")
    parser.add_argument("--exercise-timeout", type=float, default=EXERCISE_TIMEOUT,
                        help=f"seconds one call of a student's function may take (default {EXERCISE_TIMEOUT})")
    parser.add_argument("--memory-mb", type=int, default=MEMORY_MB,
                        help=f"address space of one sandboxed notebook in MiB (default {MEMORY_MB})")
    parser.add_argument("--no-bom", action="store_true", help="plain UTF-8 without a byte-order mark")
    opts = parser.parse_args(argv)
    try:
        rows = grade(opts.submissions, opts.out, opts)
    except (RuntimeError, FileNotFoundError, NotADirectoryError) as err:
        sys.exit(f"not graded: {err}")
    total = {}
    for s, _, ex, sc, mx, _ in rows:
        if ex:
            t = total.setdefault(s, [0.0, 0.0])
            t[0] += float(sc)
            t[1] += float(mx)
    for s, (sc, mx) in sorted(total.items()):
        print(f"{s:<24} {sc:g} / {mx:g}")
    print(f"per-exercise scores and feedback: {opts.out}\ntotals per student: {Path(opts.out).with_name('totals.csv')}")


if __name__ == "__main__":
    main()
