"""Built-in synthetic B2B sales data with a known truth.

:func:`load_sample` is the sample every notebook, example and ``make reports``
runs on; :func:`simulate` is the generator behind it, returning the truth too
(hazard ratios, true lifetimes) so that tests can hold estimators against it.

The generating model
--------------------
* **Accounts** are acquired uniformly between ``start`` and ``end`` (so some are
  acquired too late to be observed churning). Each has a size
  ``s = exp(sigma * Z)``; the top 1% of sizes are *key* accounts (their size
  multiplied by ``key_boost``), the next 19% *major*, the rest *general* (the
  latent tier).
* **Lifetime**: an account buys from acquisition until it churns after an
  exponential lifetime with hazard
  ``h = ln 2 / baseline_median_days * HR_tier * HR_region * HR_segment``,
  i.e. a proportional-hazards model with the ratios in ``params["hazard_ratios"]``.
* **Purchases**: the first order is on the acquisition day; gaps between orders
  are gamma distributed (shape 4, so B2B ordering is fairly regular) with a
  mean gap that is shorter for larger tiers (``mean_gap_days``). The last
  purchase is the last order before the churn date; the *active lifetime* is
  last purchase - first purchase.
* **Orders** have 1 + Poisson lines (more for larger tiers) of products from a
  catalogue of ``n_products`` with log-normal list prices; the quantity scales
  with the account size and grows with tenure (``growth_per_year``); larger
  tiers pay a premium on the list price (``price_premium``).
* **Returns**: a share ``return_rate`` of lines is partly returned 5-60 days
  later, as a negative line on a credit note whose id starts with ``C``.

Everything is drawn from one ``numpy.random.Generator(seed)``: the same seed
gives the same data on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Simulation", "simulate", "load_sample", "SAMPLE_REGIONS"]

SAMPLE_REGIONS = ("North", "South", "East", "West", "Central", "Export")

_DEFAULT_HR = {
    "tier": {"general": 1.0, "major": 0.6, "key": 0.3},
    "region": {
        "North": 1.0,
        "South": 1.3,
        "East": 0.85,
        "West": 1.1,
        "Central": 1.5,
        "Export": 1.8,
    },
    "segment": {"manufacturer": 1.0, "distributor": 1.6},
}
_REGION_WEIGHTS = {
    "North": 0.24,
    "South": 0.2,
    "East": 0.2,
    "West": 0.15,
    "Central": 0.12,
    "Export": 0.09,
}


@dataclass
class Simulation:
    """Output of :func:`simulate`.

    Attributes
    ----------
    transactions : DataFrame
        Canonical transactions (see :mod:`kamresearch.schema`) observed up to ``end``,
        with the extra attribute column ``segment``.
    customers : DataFrame
        The truth, one row per account, indexed by ``customer_id``: ``region``,
        ``segment``, ``tier`` (latent size tier), ``size``, ``acquired`` (first
        purchase), ``lifetime_days`` (true exponential lifetime), ``churn_date``,
        ``last_purchase_full`` and ``n_purchases_full`` (over the whole lifetime,
        also after ``end``), ``active_lifetime_days`` (last - first purchase over
        the whole lifetime), ``hazard`` (per day).
    params : dict
        The generating parameters, among them ``hazard_ratios`` (nested dict
        covariate -> level -> ratio against the level with ratio 1),
        ``baseline_median_days``, ``mean_gap_days``, ``start``, ``end``, ``seed``.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    params: dict = field(default_factory=dict)


def simulate(
    *,
    n_customers: int = 3000,
    start="2021-01-01",
    end="2024-12-31",
    seed: int = 0,
    sigma: float = 0.4,
    key_boost: float = 3.0,
    baseline_median_days: float = 700.0,
    hazard_ratios: dict | None = None,
    mean_gap_days: dict | None = None,
    lines_per_order: dict | None = None,
    price_premium: dict | None = None,
    growth_per_year: float = 0.08,
    n_products: int = 300,
    return_rate: float = 0.02,
    regions: dict | None = None,
    id_prefix: str = "C",
    price_dispersion: float = 0.0,
    concentration_trend: float = 0.0,
) -> Simulation:
    """Simulate a B2B transaction log with known lifetimes and hazard ratios.

    Parameters
    ----------
    n_customers : int
        Accounts acquired between ``start`` and ``end``.
    start, end : date-like
        The observed window; transactions after ``end`` are simulated for the truth
        but not returned.
    seed : int
        Seed of the random generator.
    sigma : float
        Log-scale standard deviation of account sizes (heavier tail when larger).
    key_boost : float
        Extra size multiplier of the top 1% (key) accounts.
    baseline_median_days : float
        Median true lifetime of a general manufacturer account in the baseline region.
    hazard_ratios : dict, optional
        ``{"tier": {...}, "region": {...}, "segment": {...}}``; defaults give key
        accounts 0.3, major 0.6 and distributors 1.6 times the baseline hazard.
    mean_gap_days, lines_per_order, price_premium : dict, optional
        Per tier (``key``, ``major``, ``general``).
    growth_per_year : float
        Yearly growth of an account's order quantity with tenure.
    n_products : int
        Size of the product catalogue.
    return_rate : float
        Share of lines partly returned later.
    regions : dict, optional
        Region name -> probability weight.
    id_prefix : str
        Prefix of the customer ids (``C00001`` ...).
    price_dispersion : float
        Standard deviation of a per-account log-price effect (accounts negotiate their
        own prices around the tier premium), so lines of one account are correlated and
        a test of the premium must cluster by account. 0 (default): none, and no
        random draw is made, so the default data are unchanged.
    concentration_trend : float
        Yearly growth, in calendar time, of the order quantities of key and major
        accounts against general ones (``(1 + g) ** years since start``): the revenue
        share of the largest accounts then rises year after year. 0: none.

    Notes
    -----
    The planted truths and the evidence tests that recover them
    (``tests/test_evidence_recovery.py``): ``price_premium`` per tier on the same
    products (:func:`kamresearch.evidence.key_account_tests`, price premium row);
    ``key_boost`` / ``lines_per_order`` (order size) and ``mean_gap_days``
    (repurchase); ``concentration_trend``
    (:func:`kamresearch.evidence.concentration_trend_test`); ``hazard_ratios``: a
    proportional hazard of the latent lifetime, whose log ratios are approximately
    the logit coefficients of a monthly churn hazard (small monthly hazards) --
    recovered by :func:`kamresearch.evidence.fit_churn_risk` when the tiers share a
    buying rhythm (otherwise the recency covariates absorb part of the tier effect).

    Returns
    -------
    Simulation
    """
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    span = (end - start).days
    hr = {k: dict(v) for k, v in _DEFAULT_HR.items()}
    for k, v in (hazard_ratios or {}).items():
        hr[k] = dict(v)
    gaps = {"key": 12.0, "major": 24.0, "general": 40.0} | (mean_gap_days or {})
    lpo = {"key": 6.0, "major": 3.0, "general": 1.5} | (lines_per_order or {})
    prem = {"key": 1.12, "major": 1.05, "general": 1.0} | (price_premium or {})
    reg_w = regions or _REGION_WEIGHTS
    if regions is not None and "region" not in (hazard_ratios or {}):
        hr["region"] = {r: _DEFAULT_HR["region"].get(r, 1.0) for r in reg_w}

    n = int(n_customers)
    ids = np.array([f"{id_prefix}{i:05d}" for i in range(1, n + 1)], dtype=object)
    size = np.exp(sigma * rng.standard_normal(n))
    order = np.argsort(-size, kind="stable")
    tier = np.empty(n, dtype=object)
    n_key = max(1, int(round(0.01 * n)))
    n_major = max(1, int(round(0.20 * n))) - n_key
    tier[order[:n_key]] = "key"
    tier[order[n_key : n_key + n_major]] = "major"
    tier[order[n_key + n_major :]] = "general"
    size[order[:n_key]] *= key_boost  # the few key accounts stand out from the body
    reg_names = np.array(list(reg_w), dtype=object)
    reg_p = np.array(list(reg_w.values()), dtype=float)
    region = rng.choice(reg_names, size=n, p=reg_p / reg_p.sum())
    seg_names = np.array(list(hr["segment"]), dtype=object)
    segment = rng.choice(seg_names, size=n)
    acquired_day = rng.integers(0, span + 1, size=n)

    hazard = (
        np.log(2)
        / baseline_median_days
        * np.array([hr["tier"][t] for t in tier])
        * np.array([hr["region"].get(r, 1.0) for r in region])
        * np.array([hr["segment"][s] for s in segment])
    )
    lifetime = rng.exponential(1.0 / hazard)
    mean_gap = np.array([gaps[t] for t in tier])

    # purchase days: a renewal process with gamma(4) gaps, vectorised across accounts
    shape = 4.0
    cust_idx, day_f = [np.arange(n)], [acquired_day.astype(float)]
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.gamma(shape, mean_gap[idx] / shape)
        ok = t[idx] < lifetime[idx]
        cust_idx.append(idx[ok])
        day_f.append(acquired_day[idx[ok]] + t[idx[ok]])
        alive[idx[~ok]] = False
    cust_idx = np.concatenate(cust_idx)
    order_day = np.floor(np.concatenate(day_f)).astype(np.int64)
    # several orders on one day collapse to one purchase day in the truth
    full = pd.DataFrame({"c": cust_idx, "d": order_day}).drop_duplicates()
    g = full.groupby("c")["d"]
    last_full = g.max().reindex(range(n)).to_numpy()
    n_full = g.size().reindex(range(n)).to_numpy()

    # observed orders only
    obs = order_day <= span
    cust_idx, order_day = cust_idx[obs], order_day[obs]
    n_orders = len(cust_idx)
    c_tier = tier[cust_idx]
    n_lines = 1 + rng.poisson(np.array([lpo[t] for t in c_tier]) - 1.0 + 1e-9)
    line_c = np.repeat(cust_idx, n_lines)
    line_day = np.repeat(order_day, n_lines)
    line_order = np.repeat(np.arange(n_orders), n_lines)
    m = len(line_c)

    list_price = np.round(np.exp(rng.normal(np.log(20), 0.8, n_products)), 2)
    popularity = rng.dirichlet(np.full(n_products, 0.5))
    product = rng.choice(n_products, size=m, p=popularity)
    tenure_years = (line_day - acquired_day[line_c]) / 365.25
    base_qty = size[line_c] * 4.0 * (1 + growth_per_year) ** tenure_years
    quantity = np.maximum(1, np.round(base_qty * rng.lognormal(0, 0.4, m))).astype(float)
    premium = np.array([prem[t] for t in tier[line_c]])
    if concentration_trend:  # key and major accounts grow faster in calendar time
        top = np.isin(tier[line_c], ["key", "major"])
        quantity = np.where(top, np.maximum(1, np.round(quantity * (1 + concentration_trend)
                                          ** (line_day / 365.25))), quantity)  # fmt: skip
    noise = rng.lognormal(0, 0.05, m)
    if price_dispersion:  # no draw when 0, so the default data do not change
        noise = noise * np.exp(rng.normal(0, price_dispersion, n))[line_c]
    unit_price = np.round(list_price[product] * premium * noise, 2)
    amount = quantity * unit_price

    invoice = np.array([f"INV{i:07d}" for i in line_order + 1], dtype=object)
    frame = pd.DataFrame(
        {
            "customer_id": ids[line_c],
            "date": start + pd.to_timedelta(line_day, unit="D"),
            "amount": amount,
            "region": region[line_c],
            "invoice_id": invoice,
            "product_id": np.array([f"P{p:04d}" for p in range(n_products)], dtype=object)[product],
            "quantity": quantity,
            "unit_price": unit_price,
            "segment": segment[line_c],
        }
    )

    # returns: part of a line comes back 5-60 days later on a credit note
    ret = rng.random(m) < return_rate
    ret_day = line_day[ret] + rng.integers(5, 61, ret.sum())
    keep = ret_day <= span
    if keep.any():
        src = frame.loc[ret].loc[keep].copy()
        back = np.maximum(
            1, np.floor(src["quantity"].to_numpy() * rng.uniform(0.1, 1.0, keep.sum()))
        )
        src["quantity"] = -back
        src["amount"] = src["quantity"] * src["unit_price"]
        src["date"] = start + pd.to_timedelta(ret_day[keep], unit="D")
        src["invoice_id"] = "C" + src["invoice_id"].str.slice(3)
        frame = pd.concat([frame, src], ignore_index=True)
    frame = frame.sort_values(["date", "invoice_id", "product_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame["amount"] = frame["amount"].round(2)

    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "region": region,
            "segment": segment,
            "tier": tier,
            "size": size,
            "acquired": start + pd.to_timedelta(acquired_day, unit="D"),
            "lifetime_days": lifetime,
            "churn_date": start + pd.to_timedelta(acquired_day + np.floor(lifetime), unit="D"),
            "last_purchase_full": start + pd.to_timedelta(last_full, unit="D"),
            "n_purchases_full": n_full,
            "active_lifetime_days": (last_full - acquired_day).astype(float),
            "hazard": hazard,
        }
    ).set_index("customer_id")
    params = {
        "n_customers": n,
        "start": start,
        "end": end,
        "seed": seed,
        "sigma": sigma,
        "key_boost": key_boost,
        "baseline_median_days": baseline_median_days,
        "hazard_ratios": hr,
        "mean_gap_days": gaps,
        "gap_shape": shape,
        "lines_per_order": lpo,
        "price_premium": prem,
        "growth_per_year": growth_per_year,
        "n_products": n_products,
        "return_rate": return_rate,
        "regions": dict(reg_w),
        "price_dispersion": price_dispersion,
        "concentration_trend": concentration_trend,
    }
    frame.attrs["quality"] = {
        "source": f"kamresearch.datasets.simulate(seed={seed})",
        "lines_read": len(frame),
        "lines": len(frame),
    }
    return Simulation(transactions=frame, customers=customers, params=params)


def load_sample(seed: int = 0) -> pd.DataFrame:
    """The built-in synthetic sample: about 3,000 B2B accounts in 6 regions over 4 years.

    Source: :func:`simulate` with its defaults (2021-01-01 to 2024-12-31,
    regions North, South, East, West, Central, Export). Size: about 100k
    invoice lines. Columns: the canonical ones (see :mod:`kamresearch.schema`)
    with ``invoice_id``, ``product_id``, ``quantity``, ``unit_price`` and the
    attribute ``segment`` (manufacturer / distributor).

    Parameters
    ----------
    seed : int
        Another seed gives another, equally shaped sample.

    Returns
    -------
    DataFrame
        Canonical transactions.

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.load_sample()
    >>> sorted(tx["region"].unique())
    ['Central', 'East', 'Export', 'North', 'South', 'West']
    """
    return simulate(seed=seed).transactions
