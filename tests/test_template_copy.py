"""The packaged report template is the committed notebook without its outputs.

``kamresearch report`` from an installed package (no source checkout) runs
``kamresearch/templates/region_report.ipynb``; from a checkout it runs
``notebooks/region_report.ipynb``. They must be the same notebook, or an
installed package writes another report (a stale copy once took ``region="All"``
for the whole company). ``make template`` rewrites the copy.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_packaged_template_is_the_notebook_without_outputs():
    packaged = ROOT / "kamresearch" / "templates" / "region_report.ipynb"
    assert _cells(packaged) == _cells(ROOT / "notebooks" / "region_report.ipynb"), (
        "kamresearch/templates/region_report.ipynb differs from notebooks/region_report.ipynb:"
        " run `make template`"
    )
    nb = nbformat.read(packaged, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
