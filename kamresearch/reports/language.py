"""The report template in the report's language: its Markdown cells through the catalogs.

The template's headings and explanations are Markdown cells, written in English
(the msgids). A run in another language executes a copy of the template whose
Markdown cells are looked up in the catalogs of :mod:`kamresearch.i18n`
(``reports.po``), one cell = one message, so a translator sees the whole
paragraph. A cell without a translation stays English; ``tests/test_report_language.py``
keeps every cell of the packaged template translated.
"""

from __future__ import annotations

from pathlib import Path

from ..i18n import N_, gettext, use_language

__all__ = ["translate_notebook", "translate_notebook_file", "template_messages", "COMPANY_TEXT"]

#: :data:`kamresearch.schema.COMPANY_LABEL`, marked for the catalogs (the schema stays
#: free of the language layer).
COMPANY_TEXT = N_("All (whole company)")


def template_messages(nb) -> list[str]:
    """The msgids of a notebook: the source of each non-empty Markdown cell."""
    return [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.strip()]


def translate_notebook(nb, *, lang: str):
    """A copy of the notebook ``nb`` with its Markdown cells in ``lang``."""
    import copy

    out = copy.deepcopy(nb)
    with use_language(lang):
        for cell in out.cells:
            if cell.cell_type == "markdown" and cell.source.strip():
                cell.source = gettext(cell.source)
    out.metadata["kamresearch_lang"] = lang
    return out


def translate_notebook_file(src, dst, *, lang: str) -> Path:
    """Write ``src`` (a notebook file) translated by :func:`translate_notebook` to ``dst``."""
    import nbformat

    nb = nbformat.read(str(src), as_version=4)
    nbformat.write(translate_notebook(nb, lang=lang), str(dst))
    return Path(dst)
