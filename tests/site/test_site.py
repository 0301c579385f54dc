"""The course website (`make site`, site/build.py) in headless Chromium (`make test-site`).

The built site (build/site/html) is served from 127.0.0.1 and every page is loaded with every
request to another host aborted and recorded. Each page: makes no request to another host; typesets
all its maths with the site's own MathJax (no formula left as TeX, no MathJax error); shows as many
images in its outputs as its notebook has saved PNG outputs, each one loaded; links only to pages and
files that exist (every local link is fetched); a notebook's page links to that notebook on Binder;
and links to the same page in the other edition where there is one. A Korean page shows Hangul.

The Korean edition (notebooks/ko/) is exercised before it lands by a fixture: a temporary copy of the
repository with two English notebooks and a generated Korean notebook (Hangul prose, maths, a PNG
output) and README.ko.md, built by the same site/build.py and checked by the same test.
Needs: the site built (`make site`), the site's Python (SITE_PYTHON, .venv-site), Playwright and the
system Chromium, and a font with Hangul (fonts-noto-cjk); under CI a missing one fails.
"""

import base64
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site" / "html"
SITE_PYTHON = os.environ.get("SITE_PYTHON", str(ROOT / ".venv-site" / "bin" / "python"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _need(condition, message):
    if not condition:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


# -- serving ----------------------------------------------------------------------------------------
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    servers = []

    def start(directory):
        handler = functools.partial(Quiet, directory=str(directory))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "Playwright for Python is not installed: pip install -r requirements-browser.txt")
    _need(CHROMIUM, "headless Chromium not found: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# -- what a notebook should show ----------------------------------------------------------------------
def png_outputs(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    return sum("image/png" in out.get("data", {})
               for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell["outputs"])


def has_math(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    return any(re.search(r"\$[^$\n]+\$|\$\$", "".join(c["source"]))
               for c in nb["cells"] if c["cell_type"] == "markdown")


JS_PAGE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const article = document.querySelector('article') || document.body;
  const outImgs = [...article.querySelectorAll('.cell_output img')];
  const allImgs = [...document.images];
  const text = article.innerText;
  return {
    math: article.querySelectorAll('.math').length,
    typeset: article.querySelectorAll('.math mjx-container').length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    rawTeX: [...article.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
              .map(e => e.textContent.slice(0, 60)),
    outputImages: outImgs.length,
    brokenImages: allImgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    binder: [...document.querySelectorAll('a.binder-launch')].map(a => a.href),
    switches: [...document.querySelectorAll('a.lang-switch')].map(a => [a.hreflang, a.href]),
    hangul: (text.match(/[\\uac00-\\ud7a3]/g) || []).length,
    lang: document.documentElement.lang,
    nav: [...document.querySelectorAll('nav.bd-docs-nav a.reference.internal')].map(a => a.getAttribute('href')),
    searchBox: !!document.querySelector('input[name="q"], .search-button, form.bd-search'),
  };
}"""

JS_HANGUL_RENDERED = """() => {
  // a Hangul syllable drawn by a font that has it fills about one em (a CJK cell); without one, it is
  // drawn as the missing-glyph box, as wide as the box of an unassigned code point (U+0378)
  const c = document.createElement('canvas').getContext('2d');
  c.font = '32px sans-serif';
  const w = s => c.measureText(s).width;
  return {hangul: w('한국어'), tofu: w('\\u0378\\u0378\\u0378'), latin: w('abc'),
          fonts: [...document.fonts].length};
}"""


def check_site(browser, base, site_dir, editions, root, load=None):
    """Load every page of every edition (or those of `load`, {lang: notebooks}); return a list of
    problems (empty when all is well) and the number of local links fetched."""
    problems, fetched = [], {}
    outside = []
    context = browser.new_context()

    def route(r):
        host = urllib.parse.urlsplit(r.request.url).hostname
        if host in ("127.0.0.1",) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()
    context.route("**/*", route)
    page = context.new_page()
    site_links = set()
    for lang, notebooks in (load or editions).items():
        pages = {"index": None} | {Path(nb).stem: root / nb for nb in notebooks}
        for name, nb in pages.items():
            url = f"{base}{lang}/{name}.html"
            before = len(outside)
            resp = page.goto(url, wait_until="load")
            where = f"{lang}/{name}.html"
            if resp is None or resp.status != 200:
                problems.append(f"{where}: HTTP {resp and resp.status}")
                continue
            info = page.evaluate(JS_PAGE)
            if len(outside) > before:
                problems.append(f"{where}: requests to other hosts: {outside[before:]}")
            if info["mathErrors"] or info["rawTeX"]:
                problems.append(f"{where}: maths not typeset: {info['mathErrors']} errors, {info['rawTeX'][:3]}")
            if nb is not None:
                if has_math(nb) and not info["typeset"]:
                    problems.append(f"{where}: the notebook has maths and the page typesets none")
                want = png_outputs(nb)
                if info["outputImages"] != want:
                    problems.append(f"{where}: {info['outputImages']} output images, the notebook has {want} PNG outputs")
                rel = Path(nb).relative_to(root).as_posix()
                if not any(b.endswith(f"?urlpath=lab/tree/{rel}") and "/v2/gh/" in b for b in info["binder"]):
                    problems.append(f"{where}: no Binder link that opens {rel}: {info['binder']}")
            if info["brokenImages"]:
                problems.append(f"{where}: images that did not load: {info['brokenImages']}")
            if info["lang"].split("-")[0] != lang:
                problems.append(f"{where}: <html lang={info['lang']!r}>")
            want_nav = [f"{Path(n).stem}.html" for n in editions[lang]]
            if name == "index" and info["nav"] != want_nav:
                problems.append(f"{where}: navigation {info['nav']}, not the course order {want_nav}")
            if not info["searchBox"]:
                problems.append(f"{where}: no search box")
            for other in editions:
                if other != lang:
                    want_switch = [other, f"{base}{other}/{name}.html"]
                    if Path(f"{site_dir}/{other}/{name}.html").exists() and want_switch not in info["switches"]:
                        problems.append(f"{where}: no link to the {other} edition of the page: {info['switches']}")
            if lang == "ko":
                if info["hangul"] < 10:
                    problems.append(f"{where}: Korean page with {info['hangul']} Hangul syllables")
                fonts = page.evaluate(JS_HANGUL_RENDERED)
                if not (fonts["hangul"] > 0.75 * 3 * 32 and fonts["hangul"] > 1.5 * fonts["tofu"]):
                    problems.append(f"{where}: Hangul is not drawn with a Hangul font: {fonts}")
            site_links.update(info["links"])
    # every local link: fetched (from the page's own context), fragments checked against ids
    for link in sorted(site_links):
        parts = urllib.parse.urlsplit(link)
        if parts.hostname != "127.0.0.1":
            continue
        target = urllib.parse.urlunsplit(parts._replace(fragment=""))
        if target not in fetched:
            r = context.request.get(target)
            fetched[target] = (r.status, r.text() if r.status == 200 and target.endswith(".html") else "")
        status, text = fetched[target]
        if status != 200:
            problems.append(f"broken link: {link} (HTTP {status})")
        elif parts.fragment and text and not re.search(
                r'id="%s"' % re.escape(urllib.parse.unquote(parts.fragment)), text):
            problems.append(f"broken link: {link} (no element with that id)")
    context.close()
    return problems, len(fetched)


def search_finds(browser, base, lang, word):
    """The pages the site's search lists for `word` (Sphinx's client-side index, no server)."""
    page = browser.new_page()
    page.goto(f"{base}{lang}/search.html?q={urllib.parse.quote(word)}", wait_until="load")
    try:
        page.wait_for_selector("#search-results li", timeout=20_000)
    except Exception:
        pass
    found = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.getAttribute('href'))")
    page.close()
    return found


def built_editions(site_dir):
    return json.loads((site_dir / "editions.json").read_text())


# -- the site of this repository ----------------------------------------------------------------------
def test_the_course_site(browser, serve):
    _need((SITE / "editions.json").exists(), f"no site in {SITE}: run `make site`")
    editions = built_editions(SITE)
    committed = {"en": sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")),
                 "ko": sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))}
    assert editions["en"] == committed["en"], "the site is not built from the committed notebooks: make site"
    assert editions.get("ko", []) == committed["ko"], "the Korean edition is missing or stale: make site"
    base = serve(SITE)
    problems, n_links = check_site(browser, base, SITE, editions, ROOT)
    assert not problems, "\n".join(problems)
    assert n_links > 20
    # the home page is the README's front matter: its title and its picture
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ")[0]
    title = re.search(r"^# (.+)$", readme, re.M).group(1).strip()
    pictures = [Path(p).name for p in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)]
    home = (SITE / "en" / "index.html").read_text(encoding="utf-8")
    assert title in home, f"the home page is not the README's front matter ({title!r})"
    assert pictures and all(f'src="_images/{p}"' in home for p in pictures), pictures
    assert 'src="_images/binder-badge.svg"' in home
    found = search_finds(browser, base, "en", "whitening")
    assert any("01_standardization" in f for f in found), found


# -- the Korean path, before the Korean edition lands -------------------------------------------------
def korean_fixture_notebook(english_nb):
    """A small Korean notebook: Hangul prose with maths, a code cell with one PNG output."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [0, 1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    nb = json.loads(english_nb.read_text(encoding="utf-8"))
    nb["cells"] = [
        {"cell_type": "markdown", "id": "ko-intro", "metadata": {},
         "source": ["# 개요: 정규화\n", "\n",
                    "배치 정규화(batch normalization)는 미니배치의 평균 $\\mu$와 분산 $\\sigma^2$로 "
                    "값을 표준화한 뒤 $\\gamma$와 $\\beta$로 크기를 조정하고 이동합니다.\n", "\n",
                    "$$\\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}$$\n"]},
        {"cell_type": "code", "id": "ko-plot", "metadata": {}, "execution_count": 1,
         "source": ["그림 = 1  # 그림 한 장"],
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": base64.b64encode(buf.getvalue()).decode(),
                               "text/plain": ["<Figure size 100x75 with 1 Axes>"]}}]},
    ]
    return nb


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    _need(Path(SITE_PYTHON).exists(), f"the site's Python {SITE_PYTHON} is missing: make site")
    repo = tmp_path_factory.mktemp("repo")
    english = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))   # they link to each other
    for rel in ["README.md", "site"]:
        src = ROOT / rel
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, repo / rel)
    for img in re.findall(r"\]\((docs/images/[^)\s]+)\)", (ROOT / "README.md").read_text()):
        (repo / img).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / img, repo / img)
    (repo / "notebooks" / "ko").mkdir(parents=True)
    for nb in english:
        shutil.copy2(nb, repo / "notebooks" / nb.name)
    ko = korean_fixture_notebook(english[0])
    (repo / "notebooks" / "ko" / english[0].name).write_text(json.dumps(ko, ensure_ascii=False, indent=1),
                                                          encoding="utf-8")
    (repo / "README.ko.md").write_text(
        "# 신경망의 정규화 — 대화형 강좌\n\n정규화를 직접 움직여 보며 배우는 주피터 노트북 강좌입니다. "
        "배치 정규화, 층 정규화, 인스턴스 정규화, 그룹 정규화를 다룹니다.\n\n## 두 명령\n\n본문\n",
        encoding="utf-8")
    work = tmp_path_factory.mktemp("site")
    mathjax = ROOT / "build" / "site"
    for tgz in mathjax.glob("mathjax-*.tgz"):        # the tarball make site fetched: no second fetch
        shutil.copy2(tgz, work / tgz.name)
    out = subprocess.run([SITE_PYTHON, str(repo / "site" / "build.py"), "--root", str(repo),
                          "--work", str(work), "--repo", "OWNER/REPO"],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    return repo, work / "html"


def test_the_korean_path_on_a_fixture(browser, serve, fixture_site):
    repo, html = fixture_site
    editions = built_editions(html)
    assert list(editions) == ["en", "ko"] and editions["ko"] == ["notebooks/ko/00_overview.ipynb"]
    text = (html / "ko" / "00_overview.html").read_text(encoding="utf-8")
    assert "배치 정규화" in text and 'lang="ko"' in text
    # the Korean edition, and the English pages it has a counterpart of (the English edition as a whole
    # is checked on the real site)
    load = {"ko": editions["ko"], "en": editions["en"][:1]}
    problems, _ = check_site(browser, serve(html), html, editions, repo, load=load)
    assert not problems, "\n".join(problems)
    # the English page of 00 offers the Korean one, the English page of 01 (no Korean yet) does not
    en00 = (html / "en" / "00_overview.html").read_text(encoding="utf-8")
    en01 = (html / "en" / editions["en"][1].split("/")[-1].replace(".ipynb", ".html")).read_text(encoding="utf-8")
    assert 'href="../ko/00_overview.html"' in en00 and "../ko/" not in en01
    found = search_finds(browser, serve(html), "ko", "미니배치")
    assert any("00_overview" in f for f in found), found
