"""Normalising text before comparing it: short answers and quotes.

Two strings that a reader would call "the same words" must compare equal:
full-width and half-width forms (`ＡＢＣ，１２` / `ABC,12`), upper and lower
case, spaces anywhere (Chinese has none between words, and typists add them
at random), and Traditional versus Simplified characters (the guide copy was
Traditional; a rep may type either). The bank's quote check and the exam's
short-answer grading both use `normalise`, so they agree by construction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACE = re.compile(r"\s+")
# Markdown emphasis and table pipes carry no words; a quote never includes them.
_MARKUP = re.compile(r"[*_`|>#]")
# Curly and straight quotation marks are interchangeable in a typed answer.
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"'})


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # Building the converter reads OpenCC's dictionaries: do it once.
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Fold `text` for comparison: NFKC width, case, no spaces, Simplified script."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _t2s().convert(text)
    text = text.translate(_QUOTES).casefold()
    return _SPACE.sub("", text)


def normalise_for_quote(text: str) -> str:
    """Like `normalise`, and also drop Markdown markup characters (for quote matching)."""
    return _MARKUP.sub("", normalise(text))
