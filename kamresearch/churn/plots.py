"""Plots of :mod:`kamresearch.churn` (re-exported there): survival curves and a forest plot.

Both take the tables the analysis returns, draw on ``ax`` (or a new Axes) and
return the Axes; they never show or save. matplotlib is imported only here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..i18n import _, format_number, label, value_label
from ..plotting import PALETTE, TIER_COLORS, get_ax, pct_formatter

__all__ = ["plot_survival", "plot_hazard_ratios"]


def _color(group, i):
    return (
        TIER_COLORS.get(group, PALETTE[i % len(PALETTE)])
        if isinstance(group, str)
        else (PALETTE[i % len(PALETTE)])
    )


def _at_risk(curve: pd.DataFrame, t: float) -> int:
    """Customers at risk at time ``t``: those whose duration is >= ``t``."""
    times = curve["timeline"].to_numpy()
    i = int(np.searchsorted(times, t, side="left"))
    return int(curve["at_risk"].iloc[i]) if i < len(times) else 0


def plot_survival(
    curves, *, ax=None, ci: bool = True, at_risk: bool = True, xticks=None, title: str | None = None
):
    """Kaplan–Meier curves with confidence bands and a number-at-risk table under the axis.

    Parameters
    ----------
    curves : SurvivalCurves
        Output of :func:`kamresearch.churn.survival_curves`.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    ci : bool
        Shade the pointwise confidence band.
    at_risk : bool
        Write the number of customers at risk at each x tick under the time axis,
        one row per group (the rows are drawn below the axis in axes coordinates;
        on a new figure the bottom margin is enlarged to fit them).
    xticks : sequence of float, optional
        Tick positions in days (default: every 180 days up to the longest follow-up).
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Groups with status ``"insufficient data"`` are not drawn; the legend gives
    each group's median lifetime.
    """
    if not hasattr(curves, "table") or not hasattr(curves, "summary"):
        raise ConfigError("plot_survival needs the result of kamresearch.churn.survival_curves")
    new = ax is None
    n_ok = int((curves.summary["status"] == "ok").sum())
    ax = get_ax(ax, figsize=(8, 4.5 + (0.25 * (n_ok + 1) if at_risk else 0)))
    table, summary = curves.table, curves.summary
    groups = [g for g in summary.index if summary.at[g, "status"] == "ok"]
    tmax = float(table["timeline"].max()) if len(table) else 365.0
    for i, g in enumerate(groups):
        c = table[table["group"] == g]
        col = _color(g, i)
        med = summary.at[g, "median_lifetime_days"]
        name = value_label(g)
        lab = (
            _("{group} (median {days} days)").format(group=name, days=format_number(med))
            if np.isfinite(med)
            else _("{group} (median not reached)").format(group=name)
        )
        ax.step(c["timeline"], c["survival"], where="post", color=col, lw=1.8, label=lab)
        if ci:
            ax.fill_between(
                c["timeline"], c["ci_low"], c["ci_high"], step="post", color=col, alpha=0.18, lw=0
            )
    ax.set_xlim(0, tmax * 1.02)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(pct_formatter())
    ax.set_xlabel(_("days since first purchase"))
    ax.set_ylabel(_("share of customers still active"))
    ax.set_title(
        title
        or (
            _("Customer survival by {by}").format(by=label(curves.by))
            if curves.by
            else _("Customer survival")
        )
    )
    if groups:
        ax.legend(loc="best")
    ticks = np.asarray(xticks if xticks is not None else np.arange(0, tmax + 1, 180), float)
    ax.set_xticks(ticks)
    skipped = [g for g in summary.index if g not in groups]
    if skipped:
        ax.text(
            0.01,
            0.02,
            _("insufficient data: {groups}").format(groups=", ".join(map(value_label, skipped))),
            transform=ax.transAxes,
            fontsize=8,
            color="0.4",
        )
    if at_risk and groups:
        # rows at fixed distances (points) below the axis, so any Axes height works
        top, step = 44, 12
        ax.annotate(_("At risk"), xy=(0, 0), xycoords="axes fraction", xytext=(-6, -top),
                    textcoords="offset points", ha="right", va="center", fontsize=8,
                    fontweight="bold")  # fmt: skip
        for i, g in enumerate(groups):
            c = table[table["group"] == g]
            y = -(top + step * (i + 1))
            ax.annotate(value_label(g), xy=(0, 0), xycoords="axes fraction", xytext=(-22, y),
                        textcoords="offset points", ha="right", va="center", fontsize=8,
                        color=_color(g, i))  # fmt: skip
            for t in ticks:
                ax.annotate(format_number(_at_risk(c, t)), xy=(t, 0), xycoords=("data", "axes fraction"),
                            xytext=(0, y), textcoords="offset points", ha="center",
                            va="center", fontsize=8, annotation_clip=False)  # fmt: skip
        if new:
            fig = ax.figure
            need = (top + step * (len(groups) + 1) + 8) / (fig.get_figheight() * 72)
            fig.subplots_adjust(bottom=min(0.7, need), left=0.17)
    return ax


def plot_hazard_ratios(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Forest plot of hazard ratios with confidence intervals on a log axis.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`kamresearch.churn.hazard_ratio_table` (columns ``covariate``,
        ``level``, ``baseline``, ``hr``, ``hr_low``, ``hr_high``; ``ph_ok`` optional).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    A ratio below 1 means a lower churn hazard (longer lifetimes) than the
    baseline level. Rows failing the proportional-hazards check are drawn in
    grey with a dagger.
    """
    need = ["covariate", "level", "baseline", "hr", "hr_low", "hr_high"]
    missing = [c for c in need if c not in getattr(table, "columns", [])]
    if missing:
        raise ConfigError(f"plot_hazard_ratios needs a hazard_ratio_table; missing {missing}")
    ax = get_ax(ax, figsize=(7, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    ok = (  # a check not run (NA) is not drawn as failed
        table["ph_ok"].astype("boolean").fillna(True).to_numpy(bool)
        if "ph_ok" in table
        else np.ones(len(table), bool)
    )
    hr = table["hr"].to_numpy(float)
    err = np.vstack([hr - table["hr_low"].to_numpy(float), table["hr_high"].to_numpy(float) - hr])
    shown = np.isfinite(hr)  # rows without an estimate (status) are labelled, not drawn
    for mask, col in ((ok & shown, PALETTE[0]), (~ok & shown, "0.55")):
        if mask.any():
            ax.errorbar(
                hr[mask], y[mask], xerr=err[:, mask], fmt="o", color=col, capsize=3, ms=5, lw=1.4
            )
    ax.axvline(1.0, color="0.3", lw=1, ls="--")
    ax.set_xscale("log")
    labels = [
        f"{label(r.covariate)}: {value_label(r.level)}"
        + (" " + _("vs {level}").format(level=value_label(r.baseline)) if r.baseline != "" else "")
        + ("" if k else " †")
        + ("" if f else " " + _("(no estimate)"))
        for r, k, f in zip(table.itertuples(index=False), ok, shown, strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(_("hazard ratio (log scale; below 1 = longer lifetimes)"))
    ax.grid(axis="y", visible=False)
    ax.set_title(
        title
        or _("Churn hazard ratios")
        + ("" if ok.all() else " " + _("(†: the proportional-hazards check fails)"))
    )
    return ax
