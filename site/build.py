"""Build the course website: one Jupyter Book 1 site per edition, from the committed notebooks.

    python site/build.py [--out build/site/html] [--repo OWNER/REPO] [--branch main]

Editions: English from notebooks/*.ipynb; Korean from notebooks/ko/*.ipynb when that folder holds
notebooks. Each is staged under build/site/src/<lang>/ (the notebooks as committed, a home page made
from the README's front matter, _config.yml, _toc.yml, MathJax) and built by `jupyter-book build`
with warnings as errors, without executing anything (execute_notebooks: "off": the pages show the
saved outputs). The result: <out>/en/, <out>/ko/, and <out>/index.html, which sends the reader to
en/. Every page of an edition that exists in the other one links to it (site/langswitch.py).

Nothing is fetched from the web while building or reading: MathJax comes from the npm registry's
`mathjax` package (MATHJAX_VERSION, `npm pack`, checked against MATHJAX_SHA256, kept in build/site/)
and is served from the site itself, not from a CDN. Run with the site's own environment (`make site`,
.venv-site, requirements-site.txt).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MATHJAX_VERSION = "3.2.2"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
# What the site needs from the package's es5/ build: the combined TeX→CommonHTML file, the TeX
# extensions it may autoload (\boldsymbol, ...), its menu and accessibility parts, and its fonts.
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "ui", "a11y", "output/chtml/fonts/woff-v2"]

EDITIONS = {
    # lang: (notebook folder, README, label of the link that leads to this edition)
    "en": ("notebooks", "README.md", "English"),
    "ko": ("notebooks/ko", "README.ko.md", "한국어"),
}
BINDER = "https://mybinder.org"


def editions(root):
    """The editions present in this checkout: {lang: sorted notebook paths} (course order: NN_)."""
    out = {}
    for lang, (folder, _, _) in EDITIONS.items():
        nbs = sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))
        if nbs:
            out[lang] = nbs
    if "en" not in out:
        sys.exit(f"no notebooks in {root / 'notebooks'}")
    return out


def mathjax_tarball(cache):
    """The npm registry's mathjax package, fetched once with `npm pack` and checked by its hash."""
    tgz = cache / f"mathjax-{MATHJAX_VERSION}.tgz"
    if not tgz.exists():
        cache.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            sys.exit(f"npm (Node.js) is needed once, to fetch MathJax from the npm registry into "
                     f"{cache}: apt-get install npm, or put mathjax-{MATHJAX_VERSION}.tgz there")
        subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent",
                        "--pack-destination", str(cache)], check=True, stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(tgz.read_bytes()).hexdigest()
    if digest != MATHJAX_SHA256:
        tgz.unlink()
        sys.exit(f"{tgz.name}: sha256 {digest}, expected {MATHJAX_SHA256}; removed, run again")
    return tgz


def unpack_mathjax(tgz, dest):
    prefixes = [f"package/es5/{p}" for p in MATHJAX_PARTS]
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            if m.isfile() and any(m.name == p or m.name.startswith(p + "/") for p in prefixes):
                target = dest / m.name[len("package/es5/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src:
                    target.write_bytes(src.read())


def front_matter(readme):
    """The README up to its first second-level heading: title, introduction, first picture."""
    text = readme.read_text(encoding="utf-8")
    head = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0].rstrip() + "\n"
    title = re.search(r"^# (.+)$", head, re.M).group(1).strip()
    return title, head


def binder_url(repo, branch, path):
    return f"{BINDER}/v2/gh/{repo}/{branch}?urlpath=lab/tree/{path}"


LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def page_or_repository_link(alt, target, base, root, repo, branch, pages):
    """A markdown link written in a file of the folder ``base``, as the site needs it: a notebook of
    this edition (in ``pages``) becomes its page; any other file of the repository (a script, the
    README) is pointed at GitHub, since the site holds only the notebooks; a web link or an anchor
    stays as it is."""
    if re.match(r"[a-z]+:", target) or target.startswith("#"):
        return f"[{alt}]({target})"
    file, _, anchor = target.partition("#")
    anchor = f"#{anchor}" if anchor else ""
    path = (base / file).resolve()
    if path.suffix == ".ipynb" and path.parent == pages.resolve():
        if path.exists() or not (root / "notebooks" / path.name).exists():
            return f"[{alt}]({path.name}{anchor})"
        # a notebook this edition does not have yet (a Korean edition still being written): the
        # English edition's page of it, on this site (raw HTML: MyST would look for a page of this book)
        return f'<a href="../en/{path.stem}.html{anchor}">{alt}</a>'
    rel = path.relative_to(root.resolve()).as_posix()
    return f"[{alt}](https://github.com/{repo}/blob/{branch}/{rel}{anchor})"


def home_page(root, readme, stage, repo, branch, first_notebook, label):
    """index.md: the README's front matter, its pictures copied beside it, the links into the
    repository pointed at GitHub, notebook links at their pages, and the launch badge."""
    title, text = front_matter(readme)

    def link(m):
        bang, alt, target = m.group(1), m.group(2), m.group(3)
        if bang and not re.match(r"[a-z]+:", target):          # a picture: served by the site
            path = (readme.parent / target).resolve()
            dest = stage / "images" / path.name
            dest.parent.mkdir(exist_ok=True)
            shutil.copy2(path, dest)
            return f"![{alt}](images/{path.name})"
        if bang:
            return m.group(0)
        return page_or_repository_link(alt, target, readme.parent, root, repo, branch,
                                       first_notebook.parent)

    text = LINK.sub(link, text)
    nb_path = first_notebook.relative_to(root).as_posix()
    badge = (f"[![{label}](binder-badge.svg)]({binder_url(repo, branch, nb_path)})\n")
    shutil.copy2(HERE / "binder-badge.svg", stage / "binder-badge.svg")
    (stage / "index.md").write_text(text + "\n" + badge, encoding="utf-8")
    return title


def stage_notebook(nb, dest, root, repo, branch):
    """The notebook as committed, except that its markdown links to files outside the book (a
    benchmark script, the README's measured speed) point at the repository on GitHub."""
    book = json.loads(nb.read_text(encoding="utf-8"))
    fix = lambda m: m.group(0) if m.group(1) else page_or_repository_link(
        m.group(2), m.group(3), nb.parent, root, repo, branch, nb.parent)
    for cell in book["cells"]:
        if cell["cell_type"] == "markdown":
            src = "".join(cell["source"])
            new = LINK.sub(fix, src)
            if new != src:
                cell["source"] = new.splitlines(keepends=True)
    dest.write_text(json.dumps(book, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def stage_edition(root, lang, notebooks, stage, repo, branch, others, mathjax):
    folder, readme_name, _ = EDITIONS[lang]
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for nb in notebooks:
        stage_notebook(nb, stage / nb.name, root, repo, branch)
    readme = root / readme_name
    if not readme.exists():
        readme = root / "README.md"
    launch_label = "Binder에서 실행" if lang == "ko" else "Launch on Binder"
    title = home_page(root, readme, stage, repo, branch, notebooks[0], launch_label)
    # No _static/ folder: where there is one, Jupyter Book adds every .js found in every static path
    # to every page (MathJax's 60 modules). Sphinx copies both folders into the site's _static/.
    unpack_mathjax(mathjax, stage / "_mathjax" / "mathjax")
    (stage / "_site").mkdir()
    shutil.copy2(HERE / "site.css", stage / "_site" / "site.css")
    shutil.copy2(HERE / "langswitch.py", stage / "langswitch.py")
    # the language switch: for each page, the same page in the other editions; the Binder links
    switch = {}
    for other, pages in others.items():
        label = EDITIONS[other][2]
        for page in ["index"] + pages:
            switch.setdefault(page, []).append({"lang": other, "label": label,
                                                "href": f"../{other}/{page}.html"})
    launch = {nb.stem: binder_url(repo, branch, nb.relative_to(root).as_posix()) for nb in notebooks}
    site = {"switch": switch, "launch": launch, "launch_label": launch_label}
    (stage / "site.json").write_text(json.dumps(site, ensure_ascii=False, indent=1), encoding="utf-8")
    toc = ["format: jb-book", "root: index", "chapters:"]
    toc += [f"- file: {nb.stem}" for nb in notebooks]
    (stage / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    config = {
        "title": title,
        "author": "",
        "copyright": "",
        "logo": "",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "off"},
        "repository": {"url": f"https://github.com/{repo}", "path_to_book": folder, "branch": branch},
        "launch_buttons": {"binderhub_url": BINDER, "notebook_interface": "jupyterlab",
                           "colab_url": "", "jupyterhub_url": "", "thebe": False},
        "html": {"use_repository_button": False, "use_issues_button": False,
                 "use_edit_page_button": False, "use_download_button": False,
                 "use_multitoc_numbering": False, "home_page_in_navbar": True,
                 "extra_footer": "", "analytics": {}, "favicon": ""},
        "sphinx": {
            "local_extensions": {"langswitch": "./"},
            "config": {
                "language": lang,
                "html_static_path": ["_mathjax", "_site"],
                "html_css_files": ["site.css"],
                "mathjax_path": "mathjax/tex-chtml.js",
                "nb_ipywidgets_js": {},
                "html_show_copyright": False,
                "html_show_sphinx": False,
                "html_last_updated_fmt": None,
                "html_theme_options": {"search_bar_text": "검색…" if lang == "ko" else "Search…"},
            },
        },
    }
    # JSON is YAML: no YAML writer needed in the staging step
    (stage / "_config.yml").write_text(json.dumps(config, ensure_ascii=False, indent=1),
                                       encoding="utf-8")


def build(root, out, repo, branch, work):
    found = editions(root)
    mathjax = mathjax_tarball(work)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    for lang, notebooks in found.items():
        stage = work / "src" / lang
        others = {o: [nb.stem for nb in nbs] for o, nbs in found.items() if o != lang}
        # only pages the other edition has too
        for o in others:
            others[o] = [p for p in others[o] if p in {nb.stem for nb in notebooks}]
        stage_edition(root, lang, notebooks, stage, repo, branch, others, mathjax)
        t0 = time.perf_counter()
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        subprocess.run([str(jb), "build", str(stage), "--path-output", str(stage),
                        "--builder", "html", "-W", "-n", "--keep-going", "--quiet"],
                       check=True, env=env)
        shutil.copytree(stage / "_build" / "html", out / lang)
        print(f"{lang}: {len(notebooks)} notebooks in {time.perf_counter() - t0:.1f} s -> {out / lang}")
    (out / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=en/index.html">'
        '<title>Redirect</title></head>'
        '<body><p><a href="en/index.html">English</a>'
        + ('' if "ko" not in found else ' · <a href="ko/index.html" lang="ko">한국어</a>')
        + '</p></body></html>\n', encoding="utf-8")
    (out / "editions.json").write_text(json.dumps(
        {lang: [nb.relative_to(root).as_posix() for nb in nbs] for lang, nbs in found.items()},
        indent=1), encoding="utf-8")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=HERE.parent, help="the repository (default: this one)")
    p.add_argument("--out", type=Path, default=None, help="default: ROOT/build/site/html")
    p.add_argument("--work", type=Path, default=None, help="staging and MathJax cache: ROOT/build/site")
    p.add_argument("--repo", default=os.environ.get("SITE_REPO", "OWNER/REPO"),
                   help="GitHub owner/name for the Binder links (the README's badge says OWNER/REPO)")
    p.add_argument("--branch", default=os.environ.get("SITE_BRANCH", "main"))
    a = p.parse_args()
    root = a.root.resolve()
    work = (a.work or root / "build" / "site").resolve()
    out = (a.out or work / "html").resolve()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", a.repo):
        sys.exit(f"--repo must be OWNER/NAME; got {a.repo!r}")
    build(root, out, a.repo, a.branch, work)


if __name__ == "__main__":
    main()
