"""Every notebook in a real JupyterLab in headless Chromium, the way a student meets it.

For each notebook: open it, run all cells, wait for the kernel to be idle, and assert that no cell
shows an error and no widget is left failed or loading; then change one slider of every explorer
through its editable readout and assert the picture changed, timing slider → new figure on screen.
A screenshot of each notebook goes to build/browser/.

Run with `make test-browser` (CI runs it too). Needs Playwright for Python and a system Chromium
(`apt-get install chromium`); without a browser the suite skips, except under CI, where it fails.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# Both editions: the English notebooks and the Korean ones (notebooks/ko/, issue 17), which a
# student opens the same way and whose explorers, checkers and figures speak Korean.
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))


def _name(notebook):
    """The notebook's path under notebooks/: "03_batch_norm_training.ipynb", "ko/03_….ipynb"."""
    return notebook.relative_to(ROOT / "notebooks").as_posix()


def _stem(notebook):
    """A file-name stem for its screenshots: "03_batch_norm_training", "ko.03_batch_norm_training"."""
    return _name(notebook)[:-len(".ipynb")].replace("/", ".")
OUT = ROOT / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Chromium flags for a closed network, running as root in a container.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab settings: render every cell (no windowing), no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def _need_browser():
    message = ("headless Chromium not found: install it with `apt-get install chromium` "
               "(and `pip install -r requirements-browser.txt` for Playwright)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        message = "Playwright for Python is not installed: pip install -r requirements-browser.txt"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, with a token, serving a copy of notebooks/
    (running the cells in the browser must not rewrite the committed notebooks)."""
    _need_browser()
    base = tmp_path_factory.mktemp("lab")
    work = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    settings = base / "settings"
    for name, value in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = _free_port(), "normlib-browser-test"
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
           "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--LabApp.expose_app_in_browser=True", "--allow-root"]
    log = open(base / "server.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log:\n{(base / 'server.log').read_text()}")
            time.sleep(0.3)
    yield url, token
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# -- helpers running in the page ------------------------------------------------------------------
JS_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && !w.sessionContext.isRestarting;
}"""
JS_ALL_RUN = """(n) => {
  const root = window.jupyterapp.shell.currentWidget.node;
  const prompts = [...root.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
  return prompts.length === n && prompts.every(t => /\\[\\d+\\]/.test(t));
}"""
JS_PROBLEMS = """() => {
  const out = [], root = window.jupyterapp.shell.currentWidget.node;
  for (const e of root.querySelectorAll('.jp-OutputArea-output')) {
    const mime = e.getAttribute('data-mime-type') || '';
    const text = e.textContent || '';
    if (mime === 'application/vnd.jupyter.stderr' && /Error|Traceback/.test(text)) out.push('error output: ' + text.slice(0, 300));
    if (/Error displaying widget|Loading widget|model not found/.test(text)) out.push('widget: ' + text.slice(0, 200));
  }
  for (const e of root.querySelectorAll('.jupyter-widgets-error-widget, .jp-mod-error'))
    out.push('widget error: ' + (e.textContent || '').slice(0, 200));
  return out;
}"""


def _open_and_run(page, url, token, name, n_code):
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")      # reset: no other notebook restored
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
    page.wait_for_function(JS_KERNEL_IDLE, timeout=60_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(JS_ALL_RUN, arg=n_code, timeout=120_000)
    page.wait_for_function(JS_KERNEL_IDLE, timeout=120_000)
    page.wait_for_timeout(500)          # let widget views finish rendering


# Labels, descriptions and buttons whose text is wider than their box (shown with an ellipsis).
JS_CUT_LABELS = """(root) => [...root.querySelectorAll('.widget-label, .widget-toggle-button, button, .widget-readout')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim())"""


def _move(page, explorer, handle, timeout=5_000):
    """Move one slider a step with the keyboard (as a student can); return the seconds until the
    explorer's figure changed on screen, or None if it did not change."""
    img = explorer.locator("img.widget-image").first
    old_src = img.get_attribute("src")
    now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
    handle.focus()
    start = time.perf_counter()
    page.keyboard.press("ArrowRight" if now < top else "ArrowLeft")
    try:
        page.wait_for_function("([img, old]) => img.getAttribute('src') !== old && img.complete",
                               arg=[img.element_handle(), old_src], timeout=timeout)
    except PlaywrightTimeout:
        return None
    return time.perf_counter() - start


def _slider_latencies(page, explorer, changes=5):
    """Find a slider that changes the figure in the current state, then time ``changes`` moves."""
    handles = explorer.locator(".noUi-handle")
    for k in range(handles.count()):
        handle = handles.nth(k)
        if handle.is_disabled() or explorer.locator(".widget-slider").nth(k).locator(
                ".widget-readout[contenteditable='false']").count():
            continue
        first = _move(page, explorer, handle, timeout=3_000)
        if first is None:
            continue
        latencies = [first]
        for _ in range(changes - 1):
            t = _move(page, explorer, handle)
            assert t is not None, "the figure stopped following the slider"
            latencies.append(t)
        return latencies
    raise AssertionError("no slider of this explorer changed its figure")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[_name(p) for p in NOTEBOOKS])
def test_notebook_runs_and_explorers_respond(lab, browser, notebook):
    url, token = lab
    name, stem = _name(notebook), _stem(notebook)
    n_code = sum(c["cell_type"] == "code" for c in json.loads(notebook.read_text())["cells"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    try:
        _open_and_run(page, url, token, name, n_code)
        problems = page.evaluate(JS_PROBLEMS)
        assert not problems, f"{name}: " + "\n".join(problems)
        assert not [e for e in console_errors if "widget" in e.lower()], console_errors

        explorers = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .normlib-explorer")
        latencies = []
        OUT.mkdir(parents=True, exist_ok=True)
        for k in range(explorers.count()):
            explorer = explorers.nth(k)
            explorer.scroll_into_view_if_needed()
            cut = explorer.evaluate(JS_CUT_LABELS)
            assert not cut, f"{name}: widget labels cut short at 1400 px: {cut}"
            latencies += _slider_latencies(page, explorer)
            explorer.screenshot(path=str(OUT / f"{stem}.explorer{k}.png"))   # for the README
        page.screenshot(path=str(OUT / f"{stem}.png"), full_page=True)
        if latencies:
            p50 = statistics.median(latencies) * 1e3
            report = {"notebook": name, "explorers": explorers.count(),
                      "slider_changes": len(latencies), "p50_ms": round(p50, 1),
                      "max_ms": round(max(latencies) * 1e3, 1)}
            (OUT / f"{stem}.latency.json").write_text(json.dumps(report))
            print(f"\n{name}: slider → new figure on screen, p50 {p50:.0f} ms "
                  f"over {len(latencies)} changes of {explorers.count()} explorer(s)")
    finally:
        page.close()
