"""One place for the look of every kamresearch chart.

Plot functions live beside their analysis (``pareto.plot_pareto`` ...), take
``ax=None`` and return the Axes; they call :func:`get_ax` for the Axes and use
the colours and number formatters defined here, so every chart looks alike.
matplotlib is imported only when a plot is drawn.

Chinese (CJK) region and customer names render when a CJK font is installed
(for instance ``apt-get install fonts-noto-cjk`` or ``fonts-wqy-zenhei``): the
font list below puts the common CJK families after the default one, and
matplotlib falls back through the list glyph by glyph.
"""

from __future__ import annotations

import math

__all__ = [
    "TIER_COLORS",
    "PALETTE",
    "CJK_FONTS",
    "apply_style",
    "get_ax",
    "format_money",
    "format_pct",
    "money_formatter",
    "pct_formatter",
]

#: Colour of each customer tier, used by every chart that shows tiers.
TIER_COLORS = {
    "key": "#b2182b",
    "major": "#ef8a62",
    "general": "#67a9cf",
    "A": "#b2182b",
    "B": "#ef8a62",
    "C": "#67a9cf",
    "new": "#1b7837",
    "lost": "#762a83",
}
#: Default categorical palette.
PALETTE = [
    "#1f4e79",
    "#c0504d",
    "#9bbb59",
    "#8064a2",
    "#4bacc6",
    "#f79646",
    "#7f7f7f",
    "#2c7fb8",
    "#d95f0e",
    "#31a354",
]
#: Font families tried after DejaVu Sans for glyphs it lacks (CJK names).
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
]

_CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "notosanssc", "wqy", "wenquanyi", "simhei",
                   "msyh", "pingfang", "sourcehansans", "droidsansfallback")  # fmt: skip
_STYLED = False


def apply_style() -> None:
    """Set the kamresearch rcParams once (fonts with CJK fallback, sizes, grid, colours)."""
    global _STYLED
    if _STYLED:
        return
    import matplotlib as mpl
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not any(f in installed for f in CJK_FONTS):
        # matplotlib's font cache may predate a CJK font installed later: register the files
        for path in font_manager.findSystemFonts():
            if any(k in path.lower() for k in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # unreadable font file
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
    fallback = [f for f in CJK_FONTS if f in installed]
    mpl.rcParams.update(
        {
            # an explicit family list: matplotlib falls back through it glyph by glyph
            "font.family": ["DejaVu Sans", *fallback],
            "font.sans-serif": ["DejaVu Sans", *fallback],
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
        }
    )
    _STYLED = True


def get_ax(ax=None, *, figsize=(8, 4.5)):
    """Return ``ax``, or a new Axes on a new figure of ``figsize`` (style applied)."""
    apply_style()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def format_money(x: float, currency: str = "") -> str:
    """Compact money: 1234567 -> '1.2M', 45600 -> '45.6k', with an optional symbol.

    The unit is chosen after rounding, so an amount that rounds up to the next
    unit is shown in it (999,960 is '1.0M', not '1000.0k'), and an amount that
    rounds to zero has no minus sign.

    >>> format_money(1_234_567, "$")
    '$1.2M'
    >>> format_money(-45_600)
    '-45.6k'
    >>> format_money(999_960), format_money(999_999_999), format_money(999.6)
    ('1.0M', '1.0B', '1.0k')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = abs(float(x))
    # the smallest unit whose rounded figure stays below 1,000 (judged on the figure shown)
    for unit, div, digits in (("", 1, 0), ("k", 1e3, 1), ("M", 1e6, 1), ("B", 1e9, 1)):
        shown = f"{v / div:,.{digits}f}"
        if unit == "B" or float(shown.replace(",", "")) < 1000:
            break
    sign = "-" if x < 0 and float(shown.replace(",", "")) != 0 else ""
    return f"{sign}{currency}{shown}{unit}"


def format_pct(x: float, digits: int = 0) -> str:
    """Share as a percentage: 0.6234 -> '62%' ('–' for NaN).

    A share that is not zero never shows as '0%': below 1% it gets one decimal
    (at least), and below 0.05% it shows as '<0.1%' ('>-0.1%' when negative).

    >>> format_pct(0.6234), format_pct(0.6234, 1)
    ('62%', '62.3%')
    >>> format_pct(0.005), format_pct(0.002), format_pct(0.0004), format_pct(0.0)
    ('0.5%', '0.2%', '<0.1%', '0%')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = 100 * float(x)
    if v == 0:
        return f"{0:.{digits}f}%"
    if abs(v) < 1:
        digits = max(digits, 1)
    shown = f"{abs(v):.{digits}f}"
    if float(shown) == 0:  # too small for the precision shown: say so instead of '0%'
        bound = f"{10.0**-digits:.{digits}f}%"
        return f"<{bound}" if v > 0 else f">-{bound}"
    return f"{'-' if v < 0 else ''}{shown}%"


#: Tick positions closer to zero than this are zero (float noise from the locator).
_TICK_ZERO = 1e-9


def money_formatter(currency: str = ""):
    """A matplotlib tick formatter using :func:`format_money`."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_money(0.0 if abs(v) < _TICK_ZERO else v, currency))


def pct_formatter(digits: int = 0):
    """A matplotlib tick formatter for shares (0.5 -> '50%')."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_pct(0.0 if abs(v) < _TICK_ZERO else v, digits))
