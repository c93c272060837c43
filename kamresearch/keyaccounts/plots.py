"""Charts of the key-account story: the monthly revenue of one account card."""

from __future__ import annotations

import pandas as pd

__all__ = ["plot_account_card"]


def plot_account_card(months: pd.DataFrame, *, last: int = 24, ax=None, title: str | None = None,
                      currency: str = ""):  # fmt: skip
    """Monthly revenue of one account (a :func:`kamresearch.keyaccounts.card_months` slice).

    Bars for the last ``last`` months; the same months a year before as a line,
    so year-on-year change is visible. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from ..plotting import money_formatter

    ax = ax if ax is not None else plt.gca()
    m = months.sort_values("month")
    rev = m["revenue"].to_numpy(float)
    shown = m.tail(last)
    x = range(len(shown))
    ax.bar(x, shown["revenue"].to_numpy(float), color="#1a5fb4", width=0.8)
    year_ago = pd.Series(rev).shift(12).to_numpy()[-len(shown) :]
    ax.plot(x, year_ago, color="#999999", lw=1)
    ticks = [i for i, p in enumerate(shown["month"]) if p.month == 1]
    ax.set_xticks(ticks, [str(shown["month"].iloc[i].year) for i in ticks])
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=8)
    return ax
