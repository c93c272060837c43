"""One place for the look of every kamresearch chart.

Plot functions live beside their analysis (``pareto.plot_pareto`` ...), take
``ax=None`` and return the Axes; they call :func:`get_ax` for the Axes and use
the colours and number formatters defined here, so every chart looks alike.
matplotlib is imported only when a plot is drawn.

Chinese text (``--lang zh`` reports, CJK region and customer names) renders
on a fresh machine: the project depends on ``noto-cjk-sans-otc`` (Noto Sans CJK,
SIL Open Font License 1.1, a wheel with the font file), registered with
matplotlib by :func:`register_cjk_font` at import of this module when matplotlib
is already loaded, else at the first :func:`apply_style`. Fonts of the
operating system (``fonts-noto-cjk``, ``fonts-wqy-zenhei`` ...) are used too:
the font list below puts the CJK families after the default one, and
matplotlib falls back through the list glyph by glyph.

Number formats (:func:`format_money`, :func:`format_pct`) follow the report
language (:mod:`kamresearch.i18n`): 1.2M in English, 4,560万 / 1.23亿 in Chinese.
"""

from __future__ import annotations

import logging
import sys

from .i18n import formats as _i18n_formats
from .i18n.language import get_language

__all__ = [
    "TIER_COLORS",
    "PALETTE",
    "CJK_FONTS",
    "register_cjk_font",
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
_FONT_REGISTERED = False


class _RegularCJKWeightFilter(logging.Filter):
    """Drop matplotlib's note that a CJK fallback font has no bold face.

    The bundled Noto Sans CJK has one (regular) weight: in a bold title the
    Latin letters stay bold (DejaVu Sans) and the Chinese ones are drawn
    regular, which is intended, not a problem to report on stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not (msg.startswith("findfont: Failed to find font weight")
                    and any(f in msg for f in CJK_FONTS))  # fmt: skip


def register_cjk_font() -> str | None:
    """Register the bundled Noto Sans CJK (package ``noto-cjk-sans-otc``) with matplotlib.

    Returns the font file's path, or None when the package is not installed
    (the operating system's CJK fonts are then looked for by :func:`apply_style`).
    """
    global _FONT_REGISTERED
    try:
        import noto_cjk_sans_otc
    except ImportError:  # pragma: no cover - a dependency; only absent in odd installs
        return None
    path = str(noto_cjk_sans_otc.FONT_PATH)
    if not _FONT_REGISTERED:
        from matplotlib import font_manager

        logging.getLogger("matplotlib.font_manager").addFilter(_RegularCJKWeightFilter())
        if not any(f.fname == path for f in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(path)  # every face of the collection (SC, TC, JP ...)
        _FONT_REGISTERED = True
    return path


def apply_style() -> None:
    """Set the kamresearch rcParams once (fonts with CJK fallback, sizes, grid, colours)."""
    global _STYLED
    if _STYLED:
        return
    import matplotlib as mpl
    from matplotlib import font_manager

    register_cjk_font()
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
            # labels come from the data (region names, "$1M - $2M"): shown as written,
            # never parsed as TeX math, which fails on names such as "$\\x$"
            "text.parse_math": False,
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


def format_money(x: float, currency: str = "", *, lang: str | None = None) -> str:
    """Compact money in the report's language (:func:`kamresearch.i18n.format_money`).

    ``en``: K / M / B with one decimal; ``zh``: 万 / 亿 with three significant
    digits. The unit is chosen after rounding (999,960 is '1.0M', not
    '1000.0K'), and an amount that rounds to zero has no minus sign.

    >>> format_money(1_234_567, "$")
    '$1.2M'
    >>> format_money(-45_600)
    '-45.6K'
    >>> format_money(999_960), format_money(999_999_999), format_money(999.6)
    ('1.0M', '1.0B', '1.0K')
    >>> format_money(45_600_000, "¥", lang="zh")
    '¥4,560万'
    """
    return _i18n_formats.format_money(x, currency, lang=lang)


def format_pct(x: float, digits: int = 0, *, lang: str | None = None) -> str:
    """Share as a percentage: 0.6234 -> '62%' ('–' for NaN) (:func:`kamresearch.i18n.format_pct`).

    A share that is not zero never shows as '0%': below 1% it gets one decimal
    (at least), and below 0.05% it shows as '<0.1%' ('>-0.1%' when negative).

    >>> format_pct(0.6234), format_pct(0.6234, 1)
    ('62%', '62.3%')
    >>> format_pct(0.005), format_pct(0.002), format_pct(0.0004), format_pct(0.0)
    ('0.5%', '0.2%', '<0.1%', '0%')
    """
    return _i18n_formats.format_pct(x, digits, lang=lang)


#: Tick positions closer to zero than this are zero (float noise from the locator).
_TICK_ZERO = 1e-9


def money_formatter(currency: str = ""):
    """A matplotlib tick formatter using :func:`format_money`.

    The report language is captured now: the figure is drawn later, outside the
    report's ``use_language`` block.
    """
    from matplotlib.ticker import FuncFormatter

    lang = get_language()
    return FuncFormatter(
        lambda v, _pos: format_money(0.0 if abs(v) < _TICK_ZERO else v, currency, lang=lang)
    )


def pct_formatter(digits: int = 0):
    """A matplotlib tick formatter for shares (0.5 -> '50%'), in the current language."""
    from matplotlib.ticker import FuncFormatter

    lang = get_language()
    return FuncFormatter(
        lambda v, _pos: format_pct(0.0 if abs(v) < _TICK_ZERO else v, digits, lang=lang)
    )


if "matplotlib" in sys.modules:  # a notebook that already drew: make the CJK font known now
    register_cjk_font()
