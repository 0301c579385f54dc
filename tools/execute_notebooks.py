"""Execute notebooks top to bottom in this environment and save them with their outputs.

    python tools/execute_notebooks.py notebooks/*.ipynb      (or: make notebooks)

Notebooks are committed executed, so readers without a kernel see every figure and strict nbval
has real outputs to compare. What is saved is kept to what a reviewer wants to diff: no execution
timestamps, no stored widget state and no live-widget outputs (every explorer leaves a static
picture of its default state in the cell before), one output per run of printed text, and the cells
keep their ids.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean(nb):
    """Drop what changes at every run without changing what a reader sees."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        cell.outputs = merge_streams([o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})])
    return nb


def merge_streams(outputs):
    """Consecutive pieces of one stream (stdout, stderr) as one output, as a reader sees them: the
    kernel sends what a cell prints in pieces whenever it flushes, at moments that vary from run to
    run (strict nbval joins them too before it compares)."""
    merged = []
    for o in outputs:
        last = merged[-1] if merged else None
        if (o.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == o.get("name")):
            last["text"] += o["text"]
        else:
            merged.append(o)
    return merged


def execute(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    nbformat.write(clean(nb), path)
    return time.perf_counter() - start


if __name__ == "__main__":
    paths = sys.argv[1:]
    if not paths:
        sys.exit("usage: python tools/execute_notebooks.py NOTEBOOK.ipynb [...]")
    for i, p in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {p} ...", end=" ", flush=True)
        print(f"{execute(p):.1f} s")
