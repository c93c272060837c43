"""How a report shows its tables and notes: values formatted, headers labelled,
text from the data made inert.

Used by :class:`kamresearch.reports.sections.RegionReport` (and re-exported there):
:func:`format_table` (shares as 62%, money as 1.2M, categories in the report's
language), :func:`label_table` / :func:`table_html` (column labels with one-line
definitions as tooltips), :func:`show_table`, :func:`show_note` and
:func:`escape_markdown` (values quoted from the data shown as written, never as
markup).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

from .. import keyaccounts, narrative
from ..i18n import (
    VALUES,
    _,
    definition,
    format_date,
    format_number,
    format_period,
    label,
    value_label,
)
from ..plotting import format_money, format_pct

__all__ = [
    "format_table",
    "label_table",
    "label_tables",
    "table_html",
    "show_table",
    "show_note",
    "escape_markdown",
]

_PCT_WORDS = ("share", "retention", "grr", "nrr", "survival", "rate", "pct")


_MONEY_WORDS = ("revenue", "opening", "closing", "new", "expansion", "contraction", "churned",
                "reactivated", "order_value", "at_stake", "monetary")  # fmt: skip


#: Columns whose text values are categories (translated) or column identifiers (labelled).
_CATEGORY_COLUMNS = {"tier", "class", "group", "hhi_band", "status", "flow", "covariate",
                     "level", "baseline", "measure", "section", "movement", "failure",
                     "entry_tier"}  # fmt: skip


def _category(value: str, column: str = "") -> str:
    """A category value or an identifier in the report's language (data values unchanged)."""
    if value in VALUES:
        return value_label(value)
    from .sections_story import LABELS as STORY

    if isinstance(STORY.get(f"{column}.{value}"), str):  # movement.won_new, status.silent
        return _(STORY[f"{column}.{value}"])
    if column == "failure" and f"failure.{value}" in keyaccounts.readings.TEXT:
        return _(keyaccounts.readings.TEXT[f"failure.{value}"])
    if value.startswith("no churn events in the baseline "):
        base = value.rsplit(" ", 1)[-1].strip("'\"")
        return _("no churn events in the baseline {level}").format(level=value_label(base))
    from ..i18n import LABELS

    return label(value) if value in LABELS else value


def _fmt_value(column: str, value):
    name = str(column).lower()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, pd.Timestamp):
        return format_date(value)
    if isinstance(value, pd.Period):
        return format_period(value)
    if isinstance(value, (bool, np.bool_)):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return _category(value) if name in _CATEGORY_COLUMNS else value
    if isinstance(value, (int, np.integer)):
        return format_number(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if any(w in name for w in _PCT_WORDS):
            return format_pct(value, 1)
        if any(w in name for w in _MONEY_WORDS):
            return format_money(value)
        if name == "hhi":
            return narrative.format_hhi(value)  # decimals when rounding would cross a band edge
        if name.endswith("_days") or name.startswith("n_"):
            return format_number(value)
        if name in ("p", "ph_p") or name.endswith("_p") or name.startswith("p_"):
            return format_number(value, 3) if value >= 0.001 else "<" + format_number(0.001, 3)
        return format_number(value, 2)
    return str(value)


def format_table(table: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """The table as strings, formatted by column name, in the report's language.

    Shares, retention, survival and rates (``*share*``, ``grr``, ``nrr``,
    ``survival*``) as percentages; money (``revenue*``, bridge components,
    ``*order_value*``) as 1.2M (4,560万 in Chinese); ``*_days`` and ``n_*`` as whole
    numbers; p-values with three decimals; dates as YYYY-MM-DD (2011年12月9日);
    periods as 2011Q4 (2011年第4季度); category values (tiers, bands, statuses) and
    yes/no translated; NaN as an en dash. The column names stay identifiers
    (:func:`show_table` labels them).
    """
    df = table.reset_index() if index else table.copy()
    out = pd.DataFrame(index=range(len(df)))
    for c in df.columns:
        out[str(c)] = [_fmt_value(c, v) for v in df[c].tolist()]
    return out


def label_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of an analysis table for the client's workbook, in the report's language.

    Column and index names become their labels (:func:`kamresearch.i18n.label`);
    category values (tiers, bands, statuses) and identifiers held as values (the
    ``measure`` of a summary) are translated; numbers stay numbers. A headline table's
    ``figure`` identifiers are dropped where its ``label`` column names them.
    """
    df = pd.DataFrame(table).copy()
    if "figure" in df.columns and "label" in df.columns:
        df = df.drop(columns="figure")
    for i, c in enumerate(df.columns):
        if str(c) in _CATEGORY_COLUMNS and df.iloc[:, i].dtype == object:
            df.iloc[:, i] = df.iloc[:, i].map(
                lambda v, c=str(c): _category(v, c) if isinstance(v, str) else v
            )
    if df.index.nlevels == 1 and df.index.name in _CATEGORY_COLUMNS and df.index.dtype == object:
        df.index = pd.Index([_category(v) if isinstance(v, str) else v for v in df.index],
                            name=df.index.name)  # fmt: skip
    out = df.rename(columns={c: _column_label(c) for c in df.columns if isinstance(c, str)})
    names = [label(n) if isinstance(n, str) else n for n in out.index.names]
    out.index = out.index.set_names(names if out.index.nlevels > 1 else names[0])
    return out


def _column_label(name: str) -> str:
    """The column's label: the shared LABELS, else the story's own (scorecard rows)."""
    from ..i18n import LABELS
    from .sections_story import LABELS as STORY

    if name not in LABELS and isinstance(STORY.get(name), str):
        return _(STORY[name])
    return label(name)


def label_tables(tables: dict) -> dict:
    """:func:`label_table` on each table, keyed by the sheet name in the report's language."""
    return {_(name): label_table(t) for name, t in tables.items()}


def table_html(table: pd.DataFrame) -> str:
    """HTML of a table of strings whose columns are identifiers: each header is the
    column's label (:func:`kamresearch.i18n.label`), with its one-line definition as a
    ``title`` tooltip where it has one. Deterministic (nbval compares it)."""
    head = []
    for c in table.columns:
        text = html.escape(label(str(c)))
        tip = definition(str(c))
        head.append(f'<th title="{html.escape(tip, quote=True)}">{text}</th>' if tip
                    else f"<th>{text}</th>")  # fmt: skip
    rows = [
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    ]
    return (
        '<table border="0" class="dataframe kam-table">\n<thead>\n<tr style="text-align: right;">'
        + "".join(head)
        + "</tr>\n</thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def show_table(table: pd.DataFrame, *, index: bool = False, caption: str | None = None):
    """A formatted table as deterministic HTML (an IPython object to display).

    Values by :func:`format_table`, headers by :func:`table_html` (labels, tooltips).
    """
    from IPython.display import HTML

    body = table_html(format_table(table, index=index))
    cap = f"<p><i>{html.escape(caption)}</i></p>" if caption else ""
    return HTML(cap + body)


#: Markdown characters that make inline markup anywhere in a line: links and images
#: ("[...](...)", "![...]"), emphasis, code, strikethrough, table cells, escapes; "<", ">"
#: and "&" are escaped as HTML entities instead.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|~])")


#: ... and those that start a block only at the start of a line (headings, lists); ">"
#: becomes "&gt;", which starts no block quote.
_MARKDOWN_BLOCK = re.compile(r"^(?:()([#+\-])|(\d{1,9})([.)])(?=\s|$))")


def escape_markdown(text) -> str:
    r"""Plain text made inert inside Markdown: shown as written, never as markup.

    Every value from the data (region names, customer ids, messages that quote
    them) goes through this before it is put into a Markdown output: ``&``,
    ``<`` and ``>`` become HTML entities (so ``<script>`` is text, not a tag, in
    the notebook and in its HTML export); ``[ ] * _ ` ~ | \`` are
    backslash-escaped (so ``[x](javascript:...)`` is not a link and ``*`` not
    emphasis); line breaks become spaces and a leading ``#``, ``+``, ``-`` or
    list number (``1.``) is escaped (so no heading, list or other block can start).

    >>> escape_markdown("<script>alert(1)</script> [x](javascript:y)")
    '&lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:y)'
    >>> escape_markdown("# 1.2M *net*")
    '\\# 1.2M \\*net\\*'
    """
    flat = " ".join(str(text).split())
    flat = _MARKDOWN_INLINE.sub(r"\\\1", flat)
    flat = _MARKDOWN_BLOCK.sub(lambda m: f"{m[3] or ''}\\{m[2] or m[4]}", flat)
    return html.escape(flat, quote=False)


def show_note(text: str):
    """A highlighted note (e.g. "insufficient data") as an IPython Markdown object.

    ``text`` is plain text (it may quote values from the data): it is escaped
    with :func:`escape_markdown`, so it shows as written and carries no markup.
    """
    from IPython.display import Markdown

    note = _("Note:")  # not inside the f-string: the extractor must see the msgid
    return Markdown(f"> **{note}** {escape_markdown(text)}")


def _warning_text(message: str, section: str) -> str:
    """A too-little-data warning of an analysis, as the report's note.

    The analyses warn in English (for the analyst's log); a report in another
    language shows the warning's translation when the catalogs have one, else a
    sentence saying that part of the section has too little data.
    """
    from ..i18n import get_language

    if get_language() == "en":
        return message
    shown = _(message)
    if shown != message:
        return shown
    return _("Part of this section ({section}) has too little data to be estimated: it is "
             "left out (the notebook's log says which).").format(section=_(section))  # fmt: skip
