"""The shared chart style: number formats and CJK names without missing glyphs."""

from __future__ import annotations

import math
import warnings

import pytest

from kamresearch import plotting


def test_money_and_percent_formats():
    assert plotting.format_money(1_234_567, "$") == "$1.2M"
    assert plotting.format_money(-45_600) == "-45.6k"
    assert plotting.format_money(999) == "999"
    assert plotting.format_money(2.5e9, "¥") == "¥2.5B"
    assert plotting.format_money(math.nan) == "–"
    assert plotting.format_pct(0.6234) == "62%"
    assert plotting.format_pct(0.6234, 1) == "62.3%"
    assert plotting.format_pct(float("nan")) == "–"


def test_get_ax_returns_the_given_axes_or_a_new_one():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert plotting.get_ax(ax) is ax
    assert plotting.get_ax() is not ax


def _cjk_font_files():
    from matplotlib import font_manager

    return [p for p in font_manager.findSystemFonts()
            if any(k in p.lower() for k in plotting._CJK_FILE_HINTS)]  # fmt: skip


def test_chinese_names_render_without_missing_glyphs_when_a_cjk_font_is_installed():
    if not _cjk_font_files():
        pytest.skip("no CJK font installed (e.g. apt-get install fonts-noto-cjk)")
    plotting._STYLED = False  # re-apply: the font may have been installed after the cache
    ax = plotting.get_ax()
    ax.bar(["华东", "华南", "North"], [1, 2, 3])
    ax.set_title("大区收入 by region")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
