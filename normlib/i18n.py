"""The language of what normlib shows a reader: English (the default) or Korean (한국어판, issue 17).

    import normlib as nl
    nl.set_language("ko")          # or start Python with NORMLIB_LANG=ko in the environment
    nl.get_language()              # 'ko'
    nl.t("checking.correct")       # '정답'

One message catalogue per language, ``normlib/locale/<lang>.json``: a flat JSON object, key → text,
the text a ``str.format`` template with named fields (``"{score}/{total} correct"``). English is
the reference: every key lives in en.json; a key missing from ko.json falls back to the English
text (so a half-translated lesson still runs), and tests/core/test_i18n.py lists every key missing
from ko.json, so CI names what is left to translate. Both catalogues must use the same fields.

Korean also needs a font: matplotlib's default (DejaVu Sans) has no Hangul and draws empty boxes
with "Glyph … missing" warnings. ``set_language("ko")`` registers Noto Sans KR (SIL Open Font
License 1.1, shipped by the PyPI package ``pylopdf-fonts-ko`` that requirements.txt installs) and
puts it first in ``font.family``, before the family that was there (DejaVu Sans), which draws any
glyph it lacks; ``set_language("en")`` puts the fonts back as they were. Figures made after the
call use it. Noto Sans KR comes in one weight: bold Hangul is drawn regular (matplotlib logs
"Failed to find font weight bold"); the course's figures use no bold.

How a lesson uses it (normlib/lessons/lNN_*/):

- ``from ...i18n import t``. Keys are dotted and start with the lesson's number: ``"l04.explorer.xlabel"``,
  ``"l04.check.not_centred"``, ``"l11.quiz.q3.question"``. Add the English to en.json and the
  Korean to ko.json (terms from docs/glossary.ko.json, the glossary: tools/glossary.py).
- Look the text up when it is shown, not at import: ``ax.set_title(t("l04.explorer.left_title"))``
  inside ``make_figure``, ``description=t("l04.control.mean")`` inside ``make_controls``,
  ``return t("l04.check.not_centred", mean=m)`` inside a checker. A string computed at import time
  keeps the language of the moment of import: a table built at import (11's ``QUIZ``) becomes a
  function that builds it when asked.
- An explorer's ``title`` and ``caption`` need no code: :class:`normlib.explorer.Explorer` shows
  ``explorer.<name>.title`` / ``explorer.<name>.caption`` from the catalogue when it has them, else
  the class attributes.
- Numbers are passed as fields and formatted in the template (``"{loss:.3f}"``), identically in both
  languages: the Korean notebooks' printed numbers must equal the English ones (tests/test_korean_edition.py).
- Names a student types (function names, dict keys such as ``"batch"``) stay in English in both.
"""

import json
import os
import string
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "set_language", "get_language", "t", "has_message", "catalogue", "missing_keys",
           "template_fields"]

LANGUAGES = ("en", "ko")
DEFAULT = "en"
ENV_VAR = "NORMLIB_LANG"
LOCALE_DIR = Path(__file__).with_name("locale")
KOREAN_FONT = "Noto Sans KR"

_state = {"lang": DEFAULT, "saved_fonts": None}


def _checked(lang):
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {list(LANGUAGES)}; got {lang!r}")
    return lang


def set_language(lang):
    """Choose the language of normlib's texts and figures: "en" (default) or "ko"."""
    _checked(lang)
    if lang == "ko":
        _use_korean_font()
    else:
        _restore_fonts()
    _state["lang"] = lang


def get_language():
    """The language chosen by :func:`set_language` (or NORMLIB_LANG at import): "en" or "ko"."""
    return _state["lang"]


@lru_cache(maxsize=None)
def catalogue(lang):
    """The messages of one language, key → template (read once from normlib/locale/<lang>.json)."""
    return json.loads((LOCALE_DIR / f"{_checked(lang)}.json").read_text(encoding="utf-8"))


def t(key, /, **fields):
    """The text for ``key`` in the current language, formatted with ``fields``; the English text
    when the current language lacks the key. A key English lacks too is a KeyError naming it."""
    text = catalogue(_state["lang"]).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in normlib/locale/{DEFAULT}.json")
    return text.format(**fields) if fields else text


def has_message(key):
    """Whether the English catalogue (the reference: every key is there) has ``key``."""
    return key in catalogue(DEFAULT)


def missing_keys(lang="ko"):
    """The keys of the English catalogue that ``lang`` has not translated, sorted."""
    return sorted(set(catalogue(DEFAULT)) - set(catalogue(lang)))


def template_fields(text):
    """The named fields of a template: ``"{score}/{total} correct"`` → {"score", "total"}."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


# -- fonts ----------------------------------------------------------------------------------------
def korean_font_path():
    """The Noto Sans KR file that requirements.txt installs (package pylopdf-fonts-ko)."""
    try:
        import pylopdf_fonts_ko
    except ImportError:
        raise ImportError("Korean figures need the font package pylopdf-fonts-ko: "
                          "pip install -r requirements.txt (or: pip install pylopdf-fonts-ko)") from None
    return Path(pylopdf_fonts_ko.sans_path())


def _use_korean_font():
    import matplotlib
    from matplotlib import font_manager
    names = {f.name for f in font_manager.fontManager.ttflist}
    if KOREAN_FONT not in names:
        font_manager.fontManager.addfont(str(korean_font_path()))
    rc = matplotlib.rcParams
    if _state["saved_fonts"] is None:
        _state["saved_fonts"] = list(rc["font.family"])
    # A list of families, not a generic name: matplotlib takes each glyph from the first family that
    # has it (x̂'s combining hat, say, from DejaVu Sans), and warns only when none has it.
    rc["font.family"] = [KOREAN_FONT] + [f for f in _state["saved_fonts"] if f != KOREAN_FONT]


def _restore_fonts():
    if _state["saved_fonts"] is not None:
        import matplotlib
        matplotlib.rcParams["font.family"] = _state["saved_fonts"]
        _state["saved_fonts"] = None


if os.environ.get(ENV_VAR):
    if os.environ[ENV_VAR].strip() not in LANGUAGES:
        raise ValueError(f"the environment variable {ENV_VAR} must be one of {list(LANGUAGES)}; "
                         f"got {os.environ[ENV_VAR]!r}")
    set_language(os.environ[ENV_VAR].strip())
