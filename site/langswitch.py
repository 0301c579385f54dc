"""Sphinx extension of the course site (site/build.py copies it into each edition's staging folder):
at the top of every page, a link to the same page in the other edition (the language switch) and,
on a notebook's page, a link that opens that notebook on Binder. What to link comes from site.json,
written by site/build.py beside this file."""

import html
import json
from pathlib import Path

SITE = json.loads((Path(__file__).with_name("site.json")).read_text(encoding="utf-8"))


def add_links(app, pagename, templatename, context, doctree):
    if "body" not in context:
        return
    parts = []
    for other in SITE["switch"].get(pagename, []):
        parts.append(f'<a class="lang-switch" href="{html.escape(other["href"])}" '
                     f'hreflang="{other["lang"]}" lang="{other["lang"]}">{html.escape(other["label"])}</a>')
    url = SITE["launch"].get(pagename)
    if url:
        parts.append(f'<a class="binder-launch" href="{html.escape(url)}">'
                     f'{html.escape(SITE["launch_label"])}</a>')
    if parts:
        context["body"] = '<p class="site-links">' + " · ".join(parts) + "</p>\n" + context["body"]


def setup(app):
    app.connect("html-page-context", add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
