"""Build the customer's guide into the Markdown course in `content/`.

Pure Python, no Flask and no network. The pipeline, one module a step:

    source    read the web copy, check its encoding, cut the site chrome
    errata    re-apply the reviewed repairs of the garbled places
    clean     drop pinyin and icon glyphs, convert to Simplified Chinese
    structure split into chapters, sections and sub-sections (hints)
    tables    rebuild the flattened tables from their hints
    render    turn a lesson's text into Markdown with front matter
    build     run the steps and swap the result into place atomically
    check     validate a built `content/` folder

Every step raises `GuideError` with the place (clause, file, line) on bad input.
"""

from lms.guidebuild.errors import GuideError

__all__ = ["GuideError"]
