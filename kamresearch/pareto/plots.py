"""Plots of :mod:`kamresearch.pareto` (re-exported there): Pareto chart, Lorenz curve, trend.

Each takes ``ax=None`` (a new figure when None), returns the Axes and never
shows or saves; the look comes from :mod:`kamresearch.plotting`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from ..i18n import _, format_number, format_pct, format_period, label
from .concentration import _EPS, classify_customers, lorenz_curve

__all__ = ["plot_pareto", "plot_lorenz", "plot_concentration_trend"]


def plot_pareto(
    tx: pd.DataFrame, *, top: int = 30, start=None, end=None, currency: str = "", ax=None
):
    """Pareto chart: bars of the ``top`` customers' revenue and their cumulative share.

    Bars are coloured by ABC class (:func:`classify_customers`); the line (on a
    second y axis, 0-100%) is the cumulative share of revenue, with a dashed
    marker at 80%. Returns the Axes of the bars (the twin axis is
    ``ax.figure.axes[-1]`` when ``ax`` was None).

    Raises
    ------
    ConfigError
        ``top`` not a positive integer.
    DataError
        No customer with positive revenue in the window.
    """
    from ..plotting import PALETTE, TIER_COLORS, get_ax, money_formatter, pct_formatter

    if not isinstance(top, int | np.integer) or top < 1:
        raise ConfigError(f"top={top!r} must be a positive integer")
    cls = classify_customers(tx, start=start, end=end)
    pos = cls[cls["revenue"] > 0]
    if len(pos) == 0:
        raise DataError(
            "no customer has positive net revenue in the window; nothing to plot", column="amount"
        )
    head = pos.iloc[:top]
    ax = get_ax(ax)
    xs = np.arange(len(head))
    ax.bar(xs, head["revenue"], color=[TIER_COLORS[c] for c in head["class"]], label=_("revenue"))
    ax.set_xticks(xs, [str(c) for c in head.index], rotation=90, fontsize=7)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_ylabel(_("net revenue"))
    ax2 = ax.twinx()
    ax2.plot(
        xs,
        head["cumulative_share"],
        marker="o",
        ms=3,
        color=PALETTE[0],
        label=_("cumulative share"),
    )
    ax2.axhline(0.8, ls="--", lw=1, color="grey", label=_("80% of revenue"))
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(pct_formatter())
    ax2.grid(False)
    k80 = int((pos["cumulative_share"].to_numpy() < 0.8 - _EPS).sum()) + 1
    ax.set_title(
        _(
            "Top {top} of {n} customers make {share} of revenue; 80% takes {k80} ({k80_share})"
        ).format(
            top=format_number(len(head)),
            n=format_number(len(pos)),
            share=format_pct(head["cumulative_share"].iloc[-1]),
            k80=format_number(k80),
            k80_share=format_pct(k80 / len(pos)),
        ),  # fmt: skip
        pad=22,
    )
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    return ax


def plot_lorenz(tx: pd.DataFrame, *, start=None, end=None, ax=None):
    """Lorenz curve with the equality line, the Gini in the legend and the 80% point.

    The first line is the curve (data equal to :func:`lorenz_curve`), the
    second the equality diagonal, the third the dashed guide to the point where
    80% of revenue is reached. Returns the Axes.
    """
    from ..plotting import PALETTE, get_ax, pct_formatter

    lc = lorenz_curve(tx, start=start, end=end)
    n = len(lc) - 1
    cum = lc["revenue_share"].to_numpy()
    x = np.diff(cum)[::-1]  # ascending shares, for the Gini formula
    gini = 2 * np.dot(np.arange(1, n + 1), x) / n - (n + 1) / n
    k80 = (int(np.searchsorted(cum[1:], 0.8 - _EPS, side="left")) + 1) / n
    ax = get_ax(ax)
    ax.plot(
        lc["customer_share"],
        lc["revenue_share"],
        color=PALETTE[1],
        lw=2,
        label=_("Lorenz curve (Gini {gini}, {n} customers)").format(
            gini=format_number(gini, 2), n=format_number(n)
        ),
    )
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label=_("equality"))
    ax.plot(
        [0, k80, k80],
        [0.8, 0.8, 0],
        ls="--",
        lw=1,
        color=PALETTE[0],
        label=_("80% of revenue: top {share} of customers").format(share=format_pct(k80, 1)),
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(pct_formatter())
    ax.yaxis.set_major_formatter(pct_formatter())
    ax.set_xlabel(_("share of customers (largest first)"))
    ax.set_ylabel(_("share of revenue"))
    ax.set_title(_("Revenue concentration (Lorenz curve)"))
    ax.legend(loc="lower right")
    return ax


def plot_concentration_trend(
    trend: pd.DataFrame, *, metrics=("top20pct_share", "top10_share", "gini"), ax=None
):
    """Lines of concentration measures per period, from :func:`concentration_trend`.

    One line per metric (shares and Gini, 0-100% scale), in the order given;
    partial periods are marked ``*`` on the x axis. Returns the Axes.

    Raises
    ------
    DataError
        When ``trend`` lacks a requested metric column.
    """
    from ..plotting import get_ax, pct_formatter

    missing = [m for m in metrics if m not in getattr(trend, "columns", [])]
    if missing:
        raise DataError(
            f"trend lacks column(s) {missing}; pass the output of concentration_trend(tx)",
            column=missing[0],
        )
    ax = get_ax(ax)
    xs = np.arange(len(trend))
    for m in metrics:
        ax.plot(xs, trend[m].astype(float), marker="o", label=label(m))
    partial = trend["partial"] if "partial" in trend else pd.Series(False, index=trend.index)
    ax.set_xticks(
        xs,
        [
            f"{format_period(p)}{'*' if flag else ''}"
            for p, flag in zip(trend.index, partial, strict=True)
        ],
    )
    ax.yaxis.set_major_formatter(pct_formatter())
    ax.set_ylim(0, 1.02)
    ax.set_title(
        _("Revenue concentration by period") + (" " + _("(* partial)") if partial.any() else "")
    )
    ax.legend()
    return ax
