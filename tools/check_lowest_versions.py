"""Run every notebook under strict nbval with the lowest versions requirements.txt admits.

    python3 tools/check_lowest_versions.py                  # all notebooks (CPU heavy: minutes)
    python3 tools/check_lowest_versions.py notebooks/01_standardization.ipynb     # or a few
    PYTHON=python3.10 python3 tools/check_lowest_versions.py                    # another Python

What it does, all under a scratch folder (LOWEST_DIR, default /tmp/normlib-lowest; the repository
is not touched):
  1. copies the working tree (tracked and untracked, not ignored files) to LOWEST_DIR/repo;
  2. installs uv into LOWEST_DIR/tools (once), and makes a fresh venv LOWEST_DIR/venv with PYTHON
     (default python3.11, the Python the notebooks were executed with);
  3. `uv pip install --resolution lowest-direct -r requirements.txt` in the copy: every package
     requirements.txt names at its lower bound, the rest at the newest release that fits;
     normlib itself editable from the copy;
  4. checks that threadpoolctl sees NumPy's BLAS (else normlib's one_blas_thread does nothing);
  5. runs `nice -n 10 python -m pytest notebooks -p no:cacheprovider` in the copy, with the
     repository's pytest configuration (strict nbval), and sorts the failing cells into crashes
     (an exception: a lower bound that is too low) and changed printed output (numbers, or a text that changed).
A cell that also fails in the course venv (`make test`, the pinned versions) is not a version
problem: run this when the notebooks pass there. A cell after a crashed one can show an extra figure
(matplotlib flushes the crashed cell's figure one cell later in older versions): fix the crash first.
Exit status: 0 when every notebook passes. The log is LOWEST_DIR/nbval.log, the versions
LOWEST_DIR/versions.txt. Needs network access to the package index, and a Python with venv.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("LOWEST_DIR", "/tmp/normlib-lowest"))
PYTHON = os.environ.get("PYTHON", "python3.11")
NAMED = ["numpy", "matplotlib", "scikit-learn", "threadpoolctl", "ipywidgets", "jupyterlab", "nbval",
         "pytest", "scipy", "ipykernel"]


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def copy_tree():
    dest = WORK / "repo"
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "-co", "--exclude-standard"],
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():                     # a tracked file deleted in the working tree is skipped
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def interpreter():
    exe = shutil.which(PYTHON)
    if exe is None:
        sys.exit(f"PYTHON={PYTHON} is not on PATH; set PYTHON to a Python 3.10+ executable")
    return subprocess.run([exe, "-c", "import sys; print(sys.executable)"], check=True,
                          capture_output=True, text=True).stdout.strip()


def main(argv):
    WORK.mkdir(parents=True, exist_ok=True)
    repo = copy_tree()
    python = interpreter()
    uv = WORK / "tools" / "bin" / "uv"
    if not uv.exists():
        run([python, "-m", "venv", WORK / "tools"])
        run([WORK / "tools" / "bin" / "python", "-m", "pip", "install", "--quiet", "uv"])
    venv = WORK / "venv"
    if venv.exists():
        shutil.rmtree(venv)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    run([uv, "venv", "--quiet", "--python", python, venv], env=env)
    vpy = venv / "bin" / "python"
    run([uv, "pip", "install", "--quiet", "--python", vpy, "--resolution", "lowest-direct",
         "-r", "requirements.txt"], cwd=repo, env=env)

    freeze = subprocess.run([uv, "pip", "freeze", "--python", vpy], check=True, capture_output=True,
                            text=True, env=env).stdout
    (WORK / "versions.txt").write_text(freeze)
    version = subprocess.run([vpy, "-c", "import sys; print(sys.version.split()[0])"], check=True,
                             capture_output=True, text=True).stdout.strip()
    pins = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
    print(f"\nPython {version}; " + ", ".join(f"{n} {pins[n]}" for n in NAMED if n in pins), flush=True)

    blas = subprocess.run([vpy, "-c", "import numpy, threadpoolctl; "
                           "print(sum(i['user_api'] == 'blas' for i in threadpoolctl.threadpool_info()))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    blas_ok = blas != "0"
    if not blas_ok:
        print("threadpoolctl does not see NumPy's BLAS: training would not run on one BLAS thread")

    targets = argv or ["notebooks"]
    log = WORK / "nbval.log"
    print(f"+ nice -n 10 python -m pytest {' '.join(targets)} -p no:cacheprovider   (log: {log})",
          flush=True)
    with open(log, "w") as out:
        # a longer cell timeout than make test's: this checks versions, not speed, on a busy machine
        rc = subprocess.run(["nice", "-n", "10", vpy, "-m", "pytest", *targets, "-p", "no:cacheprovider",
                             "--nbval-cell-timeout=600", "-rf", "-q"],
                            cwd=repo, stdout=out, stderr=subprocess.STDOUT).returncode
    report(log.read_text())
    print(f"\nversions: {WORK / 'versions.txt'}\nlog:      {log}")
    return rc if blas_ok else (rc or 1)


def report(text):
    """Print each failing cell with its kind: crash (an exception) or changed printed output."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    blocks = re.split(r"\n_{5,} (\S+::Cell \d+) _{5,}\n", text)
    kinds = {}
    for name, body in zip(blocks[1::2], blocks[2::2]):
        if "Timeout of" in body:
            kinds[name] = "TIMEOUT  " + (re.findall(r"Timeout of .*", body) or [""])[0]
        elif "Cell execution caused an exception" in body:
            err = re.findall(r"^(\w+(?:Error|Exception)\b.*)$", body, re.M)
            kinds[name] = "CRASH    " + (err[-1][:150] if err else "")
        elif "Cell outputs differ" in body:
            diff = [l.strip() for l in body.splitlines() if re.match(r"\s+[-+] ", l)]
            kinds[name] = "OUTPUT   " + " | ".join(diff[:4])[:150]
        else:
            kinds[name] = "OTHER    " + body.strip().splitlines()[0][:150] if body.strip() else "OTHER"
    summary = [l for l in text.splitlines() if re.search(r"\d+ (passed|failed)", l)]
    print("\n" + (summary[-1] if summary else "no pytest summary (see the log)"))
    for name, kind in kinds.items():
        print(f"  {name}: {kind}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
