"""Execute notebooks top to bottom in this environment and save them with their outputs.

    python tools/execute_notebooks.py notebooks/*.ipynb      (or: make notebooks)

Notebooks are committed executed, so readers without a kernel see every figure and strict nbval
has real outputs to compare. Widget state is stored too.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    paths = sys.argv[1:]
    if not paths:
        sys.exit("usage: python tools/execute_notebooks.py NOTEBOOK.ipynb [...]")
    for i, p in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {p} ...", end=" ", flush=True)
        print(f"{execute(p):.1f} s")
