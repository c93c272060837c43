"""Issue 14, items 1-2: a report in Chinese or English from top to bottom, no identifier shown.

Two small runs of the real template (the built-in simulator, 120 customers in two
regions, the whole company's report; ``--lang zh`` and ``--lang en``) are read as a client would: the visible
text of every HTML page (BeautifulSoup), every header of the Excel workbooks
(openpyxl). The charts are read in-process: the report's sections are run with the
display hook captured, each figure drawn and its texts (titles, axis labels, tick
labels, legends, annotations) collected, with matplotlib's missing-glyph warnings.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

import kamresearch as kam
from kamresearch import reports
from kamresearch.reports import sections as rs
from kamresearch.reports import sections_story as ss

REGIONS = {"North": 0.6, "South": 0.4}
#: Words allowed in a Chinese report: proper names of methods and measures, units, the
#: tool's own command line (a consultant types it), file formats.
ALLOWED = {
    "hhi", "auc", "brier", "cox", "gini", "theil", "newey", "west", "kaplan", "meier",
    "grr", "nrr", "asc", "pareto", "lorenz", "kamresearch", "validate", "data", "file",
    "rmst", "ols", "vs", "excel", "json", "manifest",
}  # fmt: skip
HAN = re.compile(r"[\u3400-\u9fff]")
MATH = re.compile(r"\$\\mathdefault\{[^$]*\}\$")


@pytest.fixture(scope="module")
def small_tx():
    sim = kam.datasets.simulate(n_customers=120, start="2022-01-01", end="2024-06-30", seed=3,
                                regions=REGIONS)  # fmt: skip
    return sim.transactions


@pytest.fixture(scope="module")
def runs(small_tx, tmp_path_factory):
    out = {}
    for lang in ("zh", "en"):
        folder = tmp_path_factory.mktemp(f"run-{lang}")
        # the whole company only: one notebook per language keeps the test fast
        result = reports.run(small_tx, out=folder, regions=["All"], lang=lang, jobs=1)
        assert result.ok, [r.error for r in result.regions]
        out[lang] = (result, folder)
    return out


def _data_values(tx: pd.DataFrame) -> set[str]:
    """Values from the data a report may quote: customer ids, regions, the source's name."""
    words = set()
    for v in [*tx["customer_id"].unique(), *tx["region"].unique()]:
        words |= {w.lower() for w in re.findall(r"[A-Za-z]+", str(v))}
    return words | {"simulate", "seed", "datasets"}  # the sample's source name


def _english_words(text: str, allowed: set[str]) -> list[str]:
    words = re.findall(r"[A-Za-z]{2,}", text)
    return sorted({w for w in words if w.lower() not in allowed})


def _visible_text(path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script", "head"]):
        tag.decompose()
    return soup.get_text(" ", strip=True)


def _html_headers(path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [th.get_text(" ", strip=True) for th in soup.find_all("th")]


def _workbook_headers(path) -> tuple[list[str], list[str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    heads = []
    for ws in wb.worksheets:
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        heads += [str(v) for v in first if v is not None]
    return wb.sheetnames, heads


def _chart_texts(tx, lang: str, monkeypatch) -> tuple[list[str], list[str]]:
    """Run every section in-process; return the texts of every figure and the glyph warnings."""
    import matplotlib

    from kamresearch import plotting

    shown = []
    monkeypatch.setattr(rs, "_display", shown.append)
    monkeypatch.setattr(ss, "_display", shown.append)
    # a fresh kernel: matplotlib's defaults, the report's style not yet applied (a Text takes
    # its fonts when created, so a chart made before the style shows Chinese as boxes)
    monkeypatch.setattr(plotting, "_STYLED", False)
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        return _draw_sections(tx, lang, shown)


def _draw_sections(tx, lang: str, shown: list) -> tuple[list[str], list[str]]:
    import matplotlib.figure
    import matplotlib.text

    data = reports.tables.RegionData(tx=tx, region=None, as_of=tx["date"].max(), quality={})
    rep = reports.RegionReport(data, lang=lang)
    # the concentration charts first: their figure is made with plt.subplots, before any
    # plot function applies the style -- the report must have applied it already
    for name in ("concentration", "overview", "executive_summary", "scorecard",
                 "lost_key_accounts", "account_cards", "largest_customers", "pyramid",
                 "concentration_trend_test", "key_accounts", "key_account_evidence",
                 "order_sizes", "churn_convention", "inactivity_window_check",
                 "survival_by_tier", "survival_by_entry_tier", "hazard_ratios", "at_risk_list",
                 "cohort_retention", "revenue_dynamics", "key_account_pool",
                 "model_validation", "data_quality"):  # fmt: skip
        getattr(rep, name)()
    texts, glyphs = [], []
    figures = [o for o in shown if isinstance(o, matplotlib.figure.Figure)]
    assert len(figures) >= 8, "the sections draw their charts"
    for fig in figures:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        glyphs += [str(w.message) for w in caught if "missing from" in str(w.message)]
        found = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible()]
        # log-axis ticks are mathtext numbers ($\\mathdefault{10^{-1}}$)
        texts += [x for x in (MATH.sub("", t) for t in found) if x.strip()]
    return texts, glyphs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_texts_are_in_the_report_language(small_tx, lang, monkeypatch, caplog):
    import logging

    # a section records the warnings raised inside it (tight_layout draws the texts there)
    caplog.set_level(logging.DEBUG, logger="kamresearch")
    texts, glyphs = _chart_texts(small_tx, lang, monkeypatch)
    glyphs += [r.getMessage() for r in caplog.records if "missing from font" in r.getMessage()]
    assert glyphs == [], glyphs[:5]
    joined = "\n".join(texts)
    assert not [t for t in texts if re.search(r"[A-Za-z]_[A-Za-z]", t)], "identifier in a chart"
    if lang == "zh":
        assert _english_words(joined, ALLOWED | _data_values(small_tx)) == []
        assert re.search(r"\d万", joined), "money ticks in 万"
    else:
        assert not HAN.search(joined), [t for t in texts if HAN.search(t)][:5]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_pages_are_in_the_report_language(runs, small_tx, lang):
    result, folder = runs[lang]
    pages = [folder / r.files["html"] for r in result.regions] + [folder / "index.html"]
    allowed = ALLOWED | _data_values(small_tx)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html, page.name
        text = _visible_text(page)
        if lang == "zh":
            assert _english_words(text, allowed) == [], page.name
        else:
            assert not HAN.search(text), (page.name, HAN.findall(text)[:10])
    for r in result.regions:  # the executed notebook keeps the kernel's warnings (stderr)
        nb = (folder / r.files["notebook"]).read_text(encoding="utf-8")
        assert "missing from font" not in nb, f"{r.label}: a chart lacks glyphs"
    company = _visible_text(folder / result.regions[0].files["html"])
    if lang == "zh":
        assert re.search(r"\d(\.\d+)?万", company), "amounts in 万/亿"
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", company), "Chinese dates"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_identifier_in_any_table_header(runs, lang):
    result, folder = runs[lang]
    for r in result.regions:
        heads = _html_headers(folder / r.files["html"])
        assert heads and not [h for h in heads if "_" in h], (r.label, heads)
        sheets, columns = _workbook_headers(folder / r.files["xlsx"])
        assert not [h for h in sheets + columns if "_" in h], (r.label, sheets, columns)
        if lang == "zh":
            assert all(HAN.search(s) for s in sheets), sheets
            latin = [h for h in columns if not HAN.search(h)]
            assert not _english_words(" ".join(latin), ALLOWED), latin
    index_heads = _html_headers(folder / "index.html")
    assert index_heads and not [h for h in index_heads if "_" in h], index_heads


def test_language_is_part_of_the_fingerprint(runs, small_tx):
    import json

    fps = {}
    for lang, (_result, folder) in runs.items():
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert m["parameters"]["lang"] == lang
        fps[lang] = {e["region"]: e["fingerprint"] for e in m["regions"]}
    assert fps["zh"][None] != fps["en"][None]


def test_a_zh_rerun_of_an_en_folder_is_not_reused(small_tx, tmp_path):
    template = Path(__file__).parent / "data" / "tiny_report.ipynb"
    first = reports.run(small_tx, out=tmp_path, regions=["North"], template=template)
    again = reports.run(small_tx, out=tmp_path, regions=["North"], template=template, lang="zh")
    assert first.ok and again.ok
    assert not any(r.reused for r in again.regions)
    same = reports.run(small_tx, out=tmp_path, regions=["North"], template=template, lang="zh")
    assert all(r.reused for r in same.regions)


@pytest.mark.parametrize(
    "template",
    [Path(__file__).parents[1] / "notebooks" / "region_report.ipynb",
     Path(__file__).parents[1] / "kamresearch" / "templates" / "region_report.ipynb"],
    ids=["notebooks", "packaged"],
)  # fmt: skip
def test_every_heading_of_the_template_has_a_chinese_translation(template):
    import nbformat

    from kamresearch.reports.language import template_messages, translate_notebook

    if not template.exists():
        pytest.skip(f"{template} not in this checkout")
    nb = nbformat.read(template, as_version=4)
    zh = translate_notebook(nb, lang="zh")
    cells = [c.source for c in zh.cells if c.cell_type == "markdown" and c.source.strip()]
    assert len(cells) == len(template_messages(nb)) > 10
    untranslated = [c for c in cells if not HAN.search(c)]
    assert untranslated == [], untranslated
    assert zh.metadata["kamresearch_lang"] == "zh"
