"""Charts of :mod:`kamresearch.cohorts` (re-exported there).

Each takes ``ax=None`` (a new Axes when None), returns the Axes and never shows
or saves the figure. matplotlib is imported only when a chart is drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import N_, _, format_number, format_period, label, value_label
from ..plotting import PALETTE, TIER_COLORS, format_money, format_pct, get_ax, money_formatter

__all__ = [
    "plot_retention_heatmap",
    "plot_revenue_bridge",
    "plot_layer_cake",
    "plot_key_account_flow",
]


def _value_columns(matrix: pd.DataFrame) -> list:
    return [c for c in matrix.columns if isinstance(c, (int, np.integer))]


def plot_retention_heatmap(matrix: pd.DataFrame, *, ax=None, annotate=None, cmap="Blues"):
    """Heatmap of a :func:`~kamresearch.cohorts.retention_matrix`.

    Parameters
    ----------
    matrix : DataFrame
        Output of ``retention_matrix`` (either metric).
    ax : matplotlib Axes, optional
    annotate : bool, optional
        Write the percentage in each cell; default: when there are at most 400 cells.
    cmap : str
        Colour map; NaN cells (after ``as_of``) stay blank.

    Returns
    -------
    matplotlib Axes
        Rows are cohorts labelled with their size (``n=``), columns periods since
        acquisition.
    """
    cols = _value_columns(matrix)
    if not cols or matrix.empty:
        raise DataError("the retention matrix is empty", fix="pass retention_matrix(...) output")
    vals = matrix[cols].to_numpy(dtype=float)
    ax = get_ax(
        ax, figsize=(max(6.0, 0.45 * len(cols) + 2), min(12.0, max(3.0, 0.3 * len(matrix) + 1.5)))
    )
    finite = vals[np.isfinite(vals)]
    vmax = max(1.0, float(np.quantile(finite, 0.98))) if finite.size else 1.0
    im = ax.imshow(
        np.ma.masked_invalid(vals),
        aspect="auto",
        cmap=cmap,
        vmin=0,
        vmax=vmax,
        interpolation="nearest",
    )
    ax.grid(False)
    if annotate is None:
        annotate = vals.size <= 400
    if annotate:
        for i, j in zip(*np.nonzero(np.isfinite(vals)), strict=True):
            v = vals[i, j]
            ax.text(
                j,
                i,
                format_pct(v),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v > 0.6 * vmax else "black",
            )
    labels = [
        _("{cohort} ({n} customers)").format(cohort=format_period(c), n=format_number(s))
        for c, s in zip(matrix.index, matrix["cohort_size"], strict=True)
    ]
    ax.set_yticks(range(len(matrix)))
    ax.set_yticklabels(labels, fontsize=8)
    step = max(1, len(cols) // 24)
    ax.set_xticks(range(0, len(cols), step))
    ax.set_xticklabels([str(c) for c in cols[::step]])
    metric = matrix.attrs.get("metric", "customers")
    unit = _UNITS.get(str(matrix.attrs.get("freq", ""))[:1], _UNITS["P"])
    ax.set_xlabel(_(unit))
    ax.set_ylabel(label("cohort"))
    ax.set_title(
        _("Customer retention by cohort")
        if metric == "customers"
        else _("Net revenue retention by cohort")
    )
    cbar = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cbar.ax.yaxis.set_major_formatter(_pct_ticks())
    return ax


_UNITS = {
    "M": N_("months since first purchase"),
    "Q": N_("quarters since first purchase"),
    "Y": N_("years since first purchase"),
    "A": N_("years since first purchase"),
    "P": N_("periods since first purchase"),
}


def _pct_ticks():
    from ..plotting import pct_formatter

    return pct_formatter()


_STEPS = [
    ("new", "+", "#1b7837"),
    ("expansion", "+", "#5aae61"),
    ("reactivated", "+", "#a6dba0"),
    ("contraction", "-", "#f4a582"),
    ("churned", "-", "#b2182b"),
]


def plot_revenue_bridge(bridge: pd.DataFrame, *, period=None, ax=None, currency: str = ""):
    """Waterfall of one period of a :func:`~kamresearch.cohorts.revenue_bridge`.

    Parameters
    ----------
    bridge : DataFrame
        Output of ``revenue_bridge``.
    period : Period or str, optional
        The period to draw; default: the last one.
    ax : matplotlib Axes, optional
    currency : str
        Symbol for the labels (``"$"``, ``"¥"``).

    Returns
    -------
    matplotlib Axes
        Bars: opening, + new, + expansion, + reactivated, - contraction, - churned,
        closing; each step floats from the running total.

    Raises
    ------
    DataError
        ``period`` is not in the bridge.
    """
    if bridge.empty:
        raise DataError("the revenue bridge is empty", fix="pass revenue_bridge(...) output")
    if period is None:
        row = bridge.iloc[-1]
        period = bridge.index[-1]
    else:
        per = pd.Period(period, freq=bridge.index.freq)
        if per not in bridge.index:
            raise DataError(
                f"period {period!r} is not in the bridge",
                fix=f"pick one of {[str(p) for p in bridge.index]}",
            )
        row = bridge.loc[per]
        period = per
    ax = get_ax(ax)
    labels, bottoms, heights, colors = [label("opening")], [0.0], [row["opening"]], ["#7f7f7f"]
    level = row["opening"]
    for name, sign, color in _STEPS:
        v = float(row[name])
        h = v if sign == "+" else -v
        labels.append(f"{sign} {label(name)}")
        bottoms.append(level)
        heights.append(h)
        colors.append(color)
        level += h
    labels.append(label("closing"))
    bottoms.append(0.0)
    heights.append(row["closing"])
    colors.append(PALETTE[0])
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colors, width=0.65)
    for xi, b, h in zip(x, bottoms, heights, strict=True):
        ax.annotate(
            format_money(abs(h) if 0 < xi < len(x) - 1 else h, currency),
            (xi, b + max(h, 0)),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    tops = [b + max(h, 0) for b, h in zip(bottoms, heights, strict=True)]
    lows = [b + min(h, 0) for b, h in zip(bottoms, heights, strict=True)]
    span = max(max(tops), 0) - min(min(lows), 0) or 1.0
    ax.set_ylim(min(min(lows), 0) - 0.02 * span, max(max(tops), 0) + 0.1 * span)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=20)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.axhline(0, color="black", linewidth=0.6)
    flag = " " + _("(partial)") if bool(row.get("partial", False)) else ""
    ax.set_title(_("Revenue bridge {period}").format(period=format_period(period)) + flag)
    ax.set_ylabel(_("net revenue"))
    return ax


def plot_layer_cake(tx: pd.DataFrame, *, freq: str = "Q", as_of=None, ax=None, currency: str = ""):
    """Net revenue over time stacked by acquisition cohort (the layer cake).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "Q", "Y"}
        Period length of both the time axis and the cohorts.
    as_of : date-like, optional
    ax : matplotlib Axes, optional
    currency : str

    Returns
    -------
    matplotlib Axes
        One layer per cohort (oldest at the bottom), from
        :func:`~kamresearch.cohorts.revenue_by_cohort`; a cohort's negative net
        revenue in a period (more returns than purchases) is drawn as 0.

    Raises
    ------
    DataError
        No transaction up to ``as_of``, or no cohort with positive net revenue in
        any period (only returns): there is nothing to stack.
    """
    from matplotlib import colormaps

    from .retention import revenue_by_cohort

    table = revenue_by_cohort(tx, freq=freq, as_of=as_of)
    values = table.to_numpy(dtype=float)
    if table.empty or not (values > 0).any():
        raise DataError(
            "no acquisition cohort has positive net revenue in any period (only returns or "
            "no purchase): there is no layer cake to draw",
            column="amount",
            fix="check the amounts' sign, or draw a region or period with purchases",
        )
    ax = get_ax(ax)
    x = np.arange(len(table))
    n = table.shape[1]
    colors = colormaps["viridis"](np.linspace(0.05, 0.95, max(n, 1)))
    ax.stackplot(
        x,
        values.T.clip(min=0),
        colors=colors,
        labels=[format_period(c) for c in table.columns],
        linewidth=0,
    )
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([format_period(p) for p in table.index[::step]], rotation=30)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_ylabel(_("net revenue"))
    ax.set_title(_("Net revenue by acquisition cohort"))
    if n <= 16:
        ax.legend(loc="upper left", ncol=2, title=label("cohort"), fontsize=7)
    return ax


def plot_key_account_flow(flow: pd.DataFrame, *, ax=None):
    """Key accounts entering (up) and leaving (down) the pool per period, and its size.

    Parameters
    ----------
    flow : DataFrame
        Output of :func:`~kamresearch.cohorts.key_account_flow`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Stacked bars: new and upgraded above zero, downgraded and lost below; a
        line with the pool size at the end of each period; each period labelled
        reservoir / funnel.
    """
    if flow.empty:
        raise DataError(
            "the key-account flow is empty (needs two periods)",
            fix="pass key_account_flow(...) output over at least two periods",
        )
    ax = get_ax(ax)
    x = np.arange(len(flow))
    new, up = flow["entered_new"].to_numpy(), flow["entered_upgraded"].to_numpy()
    down, lost = flow["left_downgraded"].to_numpy(), flow["left_lost"].to_numpy()
    ax.bar(x, new, color=TIER_COLORS["new"], label=label("entered_new"), width=0.6)
    ax.bar(
        x, up, bottom=new, color=TIER_COLORS["major"], label=label("entered_upgraded"), width=0.6
    )
    ax.bar(x, -down, color=TIER_COLORS["general"], label=label("left_downgraded"), width=0.6)
    ax.bar(x, -lost, bottom=-down, color=TIER_COLORS["lost"], label=label("left_lost"), width=0.6)
    ax.plot(x, flow["end"].to_numpy(), color=TIER_COLORS["key"], marker="o", label=label("end"))
    ax.axhline(0, color="black", linewidth=0.6)
    top = float(max((new + up).max(), flow["end"].max(), 1))
    bottom = float(min((-down - lost).min(), 0))
    many = len(flow) > 6
    for xi, kind in zip(x, flow["flow"], strict=True):
        ax.annotate(
            value_label(kind),
            (xi, top),
            ha="center",
            va="bottom",
            fontsize=7,
            rotation=90 if many else 0,
            xytext=(0, 4),
            textcoords="offset points",
            color=TIER_COLORS["new"]
            if kind == "reservoir"
            else TIER_COLORS["lost"]
            if kind == "funnel"
            else "dimgray",
        )
    ax.set_ylim(bottom - 0.05 * (top - bottom), top + (0.3 if many else 0.12) * (top - bottom))
    ax.set_xticks(x)
    ax.set_xticklabels([format_period(p) for p in flow.index], rotation=30 if many else 0)
    ax.set_ylabel(_("key accounts"))
    ax.set_title(_("Key-account pool: reservoir or funnel?"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return ax
