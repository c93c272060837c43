"""Plots of :mod:`kamresearch.evidence` (re-exported there): estimates with CIs, calibration.

Both take the tables the models return, draw on ``ax`` (or a new Axes) and
return the Axes; they never show or save.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import _
from ..plotting import TIER_COLORS, get_ax, pct_formatter
from . import text

__all__ = ["plot_key_account_tests", "plot_calibration"]


def _ratio_label(x, _pos=None) -> str:
    """Tick label of a ratio axis: +10% / -20% below x2, then x2, x10 ..."""
    if x >= 2:
        return f"×{x:g}"
    return f"{100 * (x - 1):+.0f}%".replace("+0%", "0%")


def plot_key_account_tests(tests: pd.DataFrame, *, ax=None, title: str | None = None):
    """The estimates of :func:`kamresearch.evidence.key_account_tests` with their 95% CIs.

    One point and interval per mark x contrast (key: dark red, major: orange) on a
    logarithmic ratio axis (key / general = 1 + estimate), so a 10% premium and a
    38-fold order size fit on one chart; ticks read +10%, ×2, ×10. A vertical line
    marks no difference; rows without an estimate are labelled "not estimated".

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ax = get_ax(ax, figsize=(8, 0.55 * len(tests) + 1.2))
    n = len(tests)
    ys = np.arange(n)[::-1]
    labels = []
    for y, row in zip(ys, tests.itertuples(), strict=True):
        tier = row.contrast.split("_vs_")[0]
        labels.append(f"{text.mark_label(row.mark)}: {text.contrast_label(row.contrast)}")
        if np.isnan(row.estimate):
            ax.text(1, y, "  " + _("not estimated"), va="center", fontsize=8, color="0.4")
            continue
        r, lo, hi = 1 + row.estimate, 1 + row.ci_low, 1 + row.ci_high
        ax.errorbar(r, y, xerr=[[r - lo], [hi - r]], fmt="o",
                    color=TIER_COLORS.get(tier, "0.3"), capsize=3)  # fmt: skip
    ax.axvline(1, color="0.3", lw=0.8)
    ax.set_xscale("log")
    lows = (1 + tests["ci_low"]).dropna()
    highs = (1 + tests["ci_high"]).dropna()
    left = min(0.8, float(lows.min()) / 1.1) if len(lows) else 0.8
    right = max(1.25, float(highs.max()) * 1.1) if len(highs) else 1.25
    ax.set_xlim(left, right)
    cands = [0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]
    cands = [c for c in cands if left <= c <= right]
    gap = np.log(right / left) / 7  # at most ~7 ticks, evenly spread on the log axis
    ticks = [1.0]
    for c in sorted(cands, key=lambda c: abs(np.log(c))):
        if all(abs(np.log(c / t)) >= gap for t in ticks):
            ticks.append(c)
    ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.xaxis.set_major_formatter(FuncFormatter(_ratio_label))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.set_xlabel(_("Difference against general accounts (95% CI)"))
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_calibration(calibration: pd.DataFrame, *, ax=None, title: str | None = None):
    """Predicted against observed churn rate by decile of predicted risk.

    Parameters
    ----------
    calibration : DataFrame
        ``calibration_`` of a fitted :class:`kamresearch.evidence.ChurnRiskModel`.

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax, figsize=(5, 4.5))
    c = calibration
    top = float(max(c["predicted"].max(), c["observed"].max(), 1e-3)) * 1.08
    ax.plot([0, top], [0, top], color="0.6", lw=0.8, ls="--", label=_("perfect calibration"))
    ax.plot(c["predicted"], c["observed"], "o-", color=TIER_COLORS["key"], label=_("deciles"))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.xaxis.set_major_formatter(pct_formatter(0))
    ax.yaxis.set_major_formatter(pct_formatter(0))
    ax.set_xlabel(text.label("predicted"))
    ax.set_ylabel(text.label("observed"))
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax
