"""The shared chart style: number formats and CJK names without missing glyphs."""

from __future__ import annotations

import math
import warnings

from kamresearch import plotting


def test_money_and_percent_formats():
    assert plotting.format_money(1_234_567, "$") == "$1.2M"
    assert plotting.format_money(-45_600) == "-45.6K"
    assert plotting.format_money(999) == "999"
    assert plotting.format_money(2.5e9, "¥") == "¥2.5B"
    assert plotting.format_money(math.nan) == "–"
    assert plotting.format_pct(0.6234) == "62%"
    assert plotting.format_pct(0.6234, 1) == "62.3%"
    assert plotting.format_pct(float("nan")) == "–"


def test_money_unit_is_chosen_after_rounding():
    # 999,960 / 1e6 = 0.99996, which rounds to 1.0 at one decimal: one million, not "1000.0K"
    assert plotting.format_money(999_960) == "1.0M"
    # 999,999,999 / 1e9 = 0.999999999 -> 1.0 at one decimal: one billion
    assert plotting.format_money(999_999_999, "$") == "$1.0B"
    assert plotting.format_money(-999_960) == "-1.0M"
    # 999.6 rounds to 1,000 = 1.0K; 949 / 1e3 = 0.949 rounds to 0.9, so it stays 949
    assert plotting.format_money(999.6) == "1.0K"
    assert plotting.format_money(949) == "949"
    # 949,949 / 1e6 = 0.95 rounds below 1: still thousands
    assert plotting.format_money(949_949) == "949.9K"
    # -0.4 rounds to 0: no minus sign on zero
    assert plotting.format_money(-0.4) == "0"


def test_small_shares_do_not_show_as_zero_percent():
    # 0.5% is the default key-account threshold (top 0.5%): one decimal below 1%
    assert plotting.format_pct(0.005) == "0.5%"
    assert plotting.format_pct(0.002) == "0.2%"  # 2 of 1,000 customers
    assert plotting.format_pct(0.0004) == "<0.1%"  # 0.04% rounds to 0.0% at one decimal
    assert plotting.format_pct(0.0004, 1) == "<0.1%"
    assert plotting.format_pct(0.00004, 2) == "<0.01%"  # 0.004% at two decimals
    assert plotting.format_pct(-0.0004) == ">-0.1%"
    assert plotting.format_pct(0.0) == "0%" and plotting.format_pct(0.0, 1) == "0.0%"
    assert plotting.format_pct(0.02) == "2%"  # 1% and above: precision unchanged


def test_tick_formatters():
    money, pct = plotting.money_formatter("$"), plotting.pct_formatter()
    assert money(999_960.0, 0) == "$1.0M"
    assert money(-1e-10, 0) == "$0"  # locator float noise around zero: a plain 0
    # 3 x 0.1 - 0.3 = 5.6e-17 in floating point: the tick at zero reads 0%
    assert pct(3 * 0.1 - 0.3, 0) == "0%"
    assert pct(0.5, 0) == "50%" and pct(0.005, 0) == "0.5%"


def test_get_ax_returns_the_given_axes_or_a_new_one():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert plotting.get_ax(ax) is ax
    assert plotting.get_ax() is not ax


def test_chinese_text_renders_with_the_bundled_font_without_missing_glyphs():
    """The CJK font comes with the project's own dependencies (noto-cjk-sans-otc), not the OS."""
    path = plotting.register_cjk_font()
    assert path is not None and path.endswith(".ttc")
    from matplotlib import font_manager

    assert "Noto Sans CJK SC" in {f.name for f in font_manager.fontManager.ttflist}
    plotting._STYLED = False  # re-apply the style with the registered font
    ax = plotting.get_ax()
    ax.bar(["华东", "华南", "North"], [1, 2, 3])
    ax.set_title("大区收入 by region：前十大客户占比")
    ax.yaxis.set_major_formatter(plotting.money_formatter("¥"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
