"""Build the customer's guide into the Markdown course in `content/`.

Pure Python, no Flask and no network. The pipeline, one module a step:

    source    read the web copy, check its encoding, cut the site chrome
    errata    re-apply the reviewed repairs of the garbled places
    clean     drop pinyin and icon glyphs, convert to Simplified Chinese
    structure split into chapters, sections and sub-sections (outline hints)
    tables    rebuild the flattened tables from their hints
    render    turn the text under a heading into Markdown blocks
    build     run the steps, write lessons and index, swap into place
    check     validate a built `content/` folder and summarise it

Helpers: `clauses` (which clause an offset is in, for messages), `hints`
(YAML hint files with line numbers), `errors` (GuideError). The hint files
live in `content/source/` beside the guide copy.

Every step raises `GuideError` with the place (clause, file, line) on bad input.
"""

from lms.guidebuild.errors import GuideError

__all__ = ["GuideError"]
