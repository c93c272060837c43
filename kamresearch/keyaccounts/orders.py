"""Order size: order-value bands per period, and land-and-expand of the accounts that became key.

Large orders (大订单) against small orders (小单): how many orders and how much
revenue fall in each band of order value, per period; and for the accounts
that became key, their first order against their orders a year later -- did
they land small and expand?
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..engine.windows import order_day_bands, order_value_median, orders_of
from .tiers import TierStandard, apply_tiers, tier_standard

__all__ = ["default_band_edges", "check_edges", "order_bands", "land_and_expand"]


def default_band_edges(order_values) -> tuple[float, ...]:
    """Band edges scaled to the data's currency: powers of ten around the median order.

    With ``m`` the median order value and ``p = 10 ** floor(log10(m))``: edges
    ``(p / 10, p, 10 p, 100 p)``, e.g. a median of 350 gives 10, 100, 1,000, 10,000.
    """
    v = np.asarray(order_values, dtype=float)
    v = v[v > 0]
    if not len(v):
        return (10.0, 100.0, 1_000.0, 10_000.0)
    p = 10.0 ** math.floor(math.log10(float(np.median(v))))
    return (p / 10, p, 10 * p, 100 * p)


def check_edges(edges) -> tuple[float, ...]:
    """Band edges as a tuple of floats: a sequence or a comma-separated string
    (``"100,1000,10000"``, as the report's config may give them), strictly
    increasing and positive, else ConfigError."""
    from ..errors import ConfigError

    if isinstance(edges, str):
        edges = [e for e in edges.replace("，", ",").split(",") if e.strip()]
    try:
        out = tuple(float(e) for e in edges)
    except (TypeError, ValueError):
        raise ConfigError(f"order band edges must be numbers, got {edges!r}") from None
    if not out or list(out) != sorted(set(out)) or out[0] <= 0:
        raise ConfigError(
            f"order band edges must be positive and strictly increasing, got {edges!r} "
            "(e.g. [1000, 10000, 100000])"
        )
    return out


def _band_labels(edges) -> list[str]:
    def f(x):
        return f"{x:,.0f}"

    return ([f"< {f(edges[0])}"] + [f"{f(a)}–{f(b)}" for a, b in zip(edges[:-1], edges[1:],
                                                                       strict=True)]
            + [f">= {f(edges[-1])}"])  # fmt: skip


def order_bands(tx: pd.DataFrame, *, freq: str = "Y", as_of=None, edges=None) -> pd.DataFrame:
    """Orders and revenue per order-value band and period.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (orders: :func:`kamresearch.engine.customer_orders`,
        counted in the engine).
    freq : {"Y", "Q", "M"}
        Period length.
    as_of : date-like, optional
    edges : sequence of float, optional
        Increasing band edges in the data's currency; default :func:`default_band_edges`.

    Returns
    -------
    DataFrame
        One row per period x band (``band``: "< 10", "10–100", ..., ">= 10,000";
        an order of exactly an edge belongs to the band above it): ``orders``,
        ``order_share`` (of the period's orders), ``revenue`` (order value summed),
        ``revenue_share``. ``attrs``: ``edges``.
    """
    from ..engine.facts import parse_freq

    pfreq = parse_freq(freq, allowed=("M", "Q", "Y"))[0]
    if edges is None:
        median = order_value_median(tx, as_of=as_of)
        edges = default_band_edges([] if np.isnan(median) else [median])
    edges = check_edges(edges)
    labels = _band_labels(edges)
    # orders and revenue per first day and band, counted in the engine (the orders
    # themselves grow with the lines and never come to pandas)
    o = order_day_bands(tx, as_of=as_of, edges=edges)
    frame = pd.DataFrame({"period": o["day"].dt.to_period(pfreq),
                          "band": pd.Categorical(np.asarray(labels)[o["band"].to_numpy()],
                                                 categories=labels),
                          "orders": o["orders"].to_numpy(),
                          "revenue": o["revenue"].to_numpy()})  # fmt: skip
    g = frame.groupby(["period", "band"], observed=False)
    out = g[["orders", "revenue"]].sum().reset_index()
    tot = out.groupby("period")[["orders", "revenue"]].transform("sum")
    out["order_share"] = out["orders"] / tot["orders"].where(tot["orders"] > 0)
    out["revenue_share"] = out["revenue"] / tot["revenue"].where(tot["revenue"] > 0)
    out = out[["period", "band", "orders", "order_share", "revenue", "revenue_share"]]
    out.attrs = {"edges": edges}
    return out


def land_and_expand(
    tx: pd.DataFrame, *, as_of=None, standard: TierStandard | None = None, key: float = 0.01,
    major: float = 0.20, later_days: int = 365, window_days: int = 90,
) -> pd.DataFrame:  # fmt: skip
    """For the accounts that became key: first order value against orders a year later.

    Returns
    -------
    DataFrame
        One row per key account (company standard on revenue up to ``as_of``):
        ``customer_id``, ``first_order_value`` (its first order), ``later_order_value``
        (median value of its orders in ``[first + later_days, first + later_days +
        window_days)``; NaN when none), ``ratio`` (later / first).
    """
    if standard is None:
        standard = tier_standard(tx, as_of=as_of, key=key, major=major, freqs=())
    from ..engine.facts import customer_summary

    net = customer_summary(tx, as_of=as_of)["revenue"]
    tier = apply_tiers(net, key_min=float(standard.window["key_min_revenue"]),
                       major_min=float(standard.window["major_min_revenue"]))  # fmt: skip
    # the key accounts' orders only (every customer's orders grow with the lines)
    o = orders_of(tx, tier.index[tier == "key"], as_of=as_of)
    o = o.sort_values(["customer_id", "day"], kind="stable")
    first = o.groupby("customer_id").first()
    start = o["customer_id"].map(first["day"]) + pd.Timedelta(days=later_days)
    inside = (o["day"] >= start) & (o["day"] < start + pd.Timedelta(days=window_days))
    later = o[inside].groupby("customer_id")["order_value"].median()
    out = pd.DataFrame({"customer_id": first.index,
                        "first_order_value": first["order_value"].to_numpy(),
                        "later_order_value": later.reindex(first.index).to_numpy()})  # fmt: skip
    out["ratio"] = out["later_order_value"] / out["first_order_value"]
    return out.reset_index(drop=True)
