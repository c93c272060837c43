"""Numbers, money, shares, dates and periods formatted for the current language (Babel, CLDR).

* money is compact, in the locale's own units from CLDR's short compact
  patterns: ``en`` K / M / B / T with one decimal (``$1.2M``, ``45.6K``);
  ``zh`` 万 / 亿 / 万亿 with three significant digits (``4,560万``, ``1.23亿``,
  ``45.6万``). The unit is chosen after rounding (999,960 is ``1.0M``, not
  ``1,000.0K``).
* shares are percentages; a non-zero share never shows as ``0%``.
* dates: ``en`` ISO (``2011-12-09``); other languages CLDR's long date
  (``2011年12月9日``).
* periods (:class:`pandas.Period` of a month, quarter or year): ``en`` as pandas
  writes them (``2011-12``, ``2011Q4``, ``2011``); ``zh`` ``2011年12月``,
  ``2011年第4季度``, ``2011年``.

Every function takes ``lang=None`` (the current language of
:func:`~kamresearch.i18n.use_language`). Digits are rounded by Python first
(as before this module existed) and then written with the locale's symbols,
so the figure shown is the same in every language.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal

from .language import DEFAULT_LANGUAGE, get_language

__all__ = [
    "format_number",
    "format_money",
    "format_pct",
    "format_date",
    "format_period",
    "money_units",
]

#: Languages whose compact money keeps three significant digits (4,560万, 1.23亿, 45.6万);
#: the others show one decimal in every unit above the plain one (45.6K, 1.2M).
_SIGNIFICANT_MONEY = {"zh": 3}


def _lang(lang: str | None) -> str:
    return lang or get_language()


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _decimal(shown: str, digits: int, lang: str) -> str:
    """A number already rounded to ``digits`` (as text) written with the locale's symbols."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(Decimal(shown), format=pattern, locale=lang, decimal_quantization=False)


def format_number(x, digits: int = 0, *, lang: str | None = None) -> str:
    """A number with the locale's grouping: 4560.5 -> ``'4,560.5'`` (``'–'`` for NaN).

    >>> format_number(1234567), format_number(0.456, 2)
    ('1,234,567', '0.46')
    """
    if _missing(x):
        return "–"
    v = float(x)
    shown = f"{abs(v):.{digits}f}"
    sign = "-" if v < 0 and float(shown) != 0 else ""
    return sign + _decimal(shown, digits, _lang(lang))


@functools.cache
def money_units(lang: str) -> tuple[tuple[int, str], ...]:
    """The compact units of ``lang`` as ``(divisor, suffix)``, from CLDR's short patterns.

    >>> money_units("en")
    ((1, ''), (1000, 'K'), (1000000, 'M'), (1000000000, 'B'), (1000000000000, 'T'))
    >>> [s for _, s in money_units("zh")]
    ['', '万', '亿', '万亿']
    """
    from babel import Locale

    patterns = Locale.parse(lang).compact_decimal_formats["short"]["other"]
    units: list[tuple[int, str]] = [(1, "")]
    for magnitude, pattern in sorted(patterns.items(), key=lambda kv: int(kv[0])):
        text = pattern.pattern
        zeros = text.count("0")
        suffix = text.replace("0", "").replace("'", "")
        if not suffix.strip():
            continue  # no abbreviation at this magnitude
        divisor = int(magnitude) // 10 ** (zeros - 1)
        if all(d != divisor for d, _ in units):
            units.append((divisor, suffix))
    return tuple(units)


def _money_digits(value: float, divisor: int, lang: str) -> tuple[str, int]:
    """The figure ``value / divisor`` rounded as the language shows money, and its decimals."""
    if divisor == 1:
        return f"{value:.0f}", 0
    sig = _SIGNIFICANT_MONEY.get(lang)
    scaled = value / divisor
    if sig is None:
        return f"{scaled:.1f}", 1
    digits = max(0, sig - len(str(int(scaled))))
    shown = f"{scaled:.{digits}f}"
    if digits and len(shown.split(".")[0]) > len(str(int(scaled))):  # 9.996 -> 10.0, not 10.00
        digits -= 1
        shown = f"{scaled:.{digits}f}"
    return shown, digits


def format_money(x, currency: str = "", *, lang: str | None = None) -> str:
    """Compact money in the language's units, with an optional currency symbol.

    >>> format_money(1_234_567, "$"), format_money(-45_600), format_money(999_960)
    ('$1.2M', '-45.6K', '1.0M')
    >>> format_money(123_456_789, lang="zh"), format_money(45_600_000, "¥", lang="zh")
    ('1.23亿', '¥4,560万')
    >>> format_money(456_000, lang="zh"), format_money(9_876, lang="zh")
    ('45.6万', '9,876')
    """
    if _missing(x):
        return "–"
    lang = _lang(lang)
    v = abs(float(x))
    units = money_units(lang)
    # the smallest unit whose rounded figure stays below the next unit
    for i, (divisor, _suffix) in enumerate(units):
        shown, digits = _money_digits(v, divisor, lang)
        nxt = units[i + 1][0] if i + 1 < len(units) else None
        if nxt is None or float(shown) * divisor < nxt:
            break
    suffix = units[i][1]
    sign = "-" if x < 0 and float(shown) != 0 else ""
    return f"{sign}{currency}{_decimal(shown, digits, lang)}{suffix}"


def format_pct(x, digits: int = 0, *, lang: str | None = None) -> str:
    """Share as a percentage: 0.6234 -> ``'62%'`` (``'–'`` for NaN).

    A share that is not zero never shows as ``'0%'``: below 1% it gets one
    decimal (at least), and below 0.05% it shows as ``'<0.1%'`` (``'>-0.1%'``).

    >>> format_pct(0.6234), format_pct(0.6234, 1), format_pct(0.0004), format_pct(0.0)
    ('62%', '62.3%', '<0.1%', '0%')
    """
    if _missing(x):
        return "–"
    lang = _lang(lang)
    v = 100 * float(x)
    if v == 0:
        return _decimal(f"{0:.{digits}f}", digits, lang) + "%"
    if abs(v) < 1:
        digits = max(digits, 1)
    shown = f"{abs(v):.{digits}f}"
    if float(shown) == 0:  # too small for the precision shown: say so instead of '0%'
        bound = _decimal(f"{10.0**-digits:.{digits}f}", digits, lang) + "%"
        return f"<{bound}" if v > 0 else f">-{bound}"
    return f"{'-' if v < 0 else ''}{_decimal(shown, digits, lang)}%"


def format_date(d, *, lang: str | None = None) -> str:
    """A date: ``en`` ISO (``2011-12-09``), ``zh`` ``2011年12月9日`` (CLDR long date).

    >>> import datetime
    >>> format_date(datetime.date(2011, 12, 9)), format_date("2011-12-09", lang="zh")
    ('2011-12-09', '2011年12月9日')
    """
    if _missing(d) or d is None:
        return "–"
    import pandas as pd

    ts = pd.Timestamp(d)
    if ts is pd.NaT:
        return "–"
    day = ts.date()
    lang = _lang(lang)
    if lang == DEFAULT_LANGUAGE:
        return day.isoformat()
    from babel.dates import format_date as _babel_date

    return _babel_date(day, "long", locale=lang)


_SKELETONS = {"M": "yMMM", "Q": "yQQQ", "Y": "y", "A": "y", "D": "yMMMd"}


def format_period(p, *, lang: str | None = None) -> str:
    """A calendar period (pandas Period): ``en`` ``2011Q4``; ``zh`` ``2011年第4季度``.

    >>> import pandas as pd
    >>> q = pd.Period("2011Q4", freq="Q")
    >>> format_period(q), format_period(q, lang="zh")
    ('2011Q4', '2011年第4季度')
    >>> format_period(pd.Period("2011-12", freq="M"), lang="zh")
    '2011年12月'
    """
    import pandas as pd

    if not isinstance(p, pd.Period) and _missing(p):
        return "–"
    lang = _lang(lang)
    if not isinstance(p, pd.Period) or lang == DEFAULT_LANGUAGE:
        return str(p)
    code = p.freqstr.split("-")[0][:1].upper()
    skeleton = _SKELETONS.get(code)
    if skeleton is None:
        return str(p)
    from babel.dates import format_skeleton

    if code == "M" and lang == "zh":
        return f"{p.year}年{p.month}月"  # CLDR's yMMM gives the same; spelled out for speed
    return format_skeleton(skeleton, p.start_time.date(), locale=lang)
