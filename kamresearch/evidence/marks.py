"""The three marks of a key account, tested: price premium, order size, repurchase.

Key-account theory says key accounts (1) accept a price premium, (2) buy in
larger orders and (3) repurchase more. :func:`key_account_tests` estimates each
difference between tiers with a regression (statsmodels) and its uncertainty,
on the small tables of :mod:`kamresearch.engine.panels`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..engine.facts import resolve_as_of
from ..engine.panels import customer_product_price_codes, customer_product_prices, order_cells
from ..errors import ConfigError
from ..pareto.concentration import customer_tiers
from . import text

__all__ = [
    "key_account_tests",
    "TEST_COLUMNS",
    "MIN_TIER_CUSTOMERS",
    "absorb",
    "ClusteredWLS",
    "premium_fit",
    "order_size_fit",
    "repurchase_fit",
]

#: Output columns of :func:`key_account_tests`, in order.
TEST_COLUMNS = (
    "mark contrast estimate ci_low ci_high p_value n_customers n_obs method reading".split()
)
#: Fewer customers with data than this in a tier of a contrast -> no estimate.
#: Cluster-robust standard errors rest on the number of clusters; with fewer than
#: about ten in a group they are biased down badly (Cameron & Miller 2015, sec. VI).
MIN_TIER_CUSTOMERS = 10

_MARKS = ("price_premium", "order_size", "repurchase")
_CONTRASTS = (("key_vs_general", "key"), ("major_vs_general", "major"))
_METHODS = {
    "price_premium": "WLS of log unit price on tier, product fixed effects (quantity-weighted "
    "demeaning), SE clustered by customer",
    "order_size": "OLS of log order value on tier, period fixed effects, SE clustered by customer",
    "repurchase": "Poisson GLM of orders on tier, log observed months as offset, robust (HC0) SE",
}


def absorb(values: np.ndarray, groups: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Subtract the weighted mean within each group (fixed effects, Frisch–Waugh–Lovell).

    ``values`` is 1-D or 2-D (columns demeaned separately); ``groups`` integer
    codes 0..G-1; ``weights`` positive.
    """
    v = np.asarray(values, dtype=float)
    two_d = v.ndim == 2
    v2 = v if two_d else v[:, None]
    g = np.asarray(groups)
    w = np.asarray(weights, dtype=float)
    n_g = int(g.max()) + 1 if len(g) else 0
    wsum = np.bincount(g, weights=w, minlength=n_g)
    out = np.empty_like(v2)
    for j in range(v2.shape[1]):
        means = np.bincount(g, weights=w * v2[:, j], minlength=n_g) / wsum
        out[:, j] = v2[:, j] - means[g]
    return out if two_d else out[:, 0]


def _tier_dummies(tiers: pd.Series) -> np.ndarray:
    t = tiers.to_numpy()
    return np.column_stack([(t == "key").astype(float), (t == "major").astype(float)])


class ClusteredWLS:
    """WLS with a cluster-robust covariance: the figures of statsmodels'
    ``WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)``.

    Computed from the normal equations and per-cluster score sums (``bincount``): on
    the millions of customer x product cells of a large log, statsmodels spends
    seconds on singular value decompositions of the whole design (its rank and
    pseudo-inverse) that a 2 x 2 system does not need.

    Attributes
    ----------
    params, bse, tvalues, pvalues : ndarray
    df_resid_inference : int
        ``G - 1`` (t distribution of the tests and intervals).
    nobs, n_groups : int

    Notes
    -----
    ``b = (X'WX)^-1 X'Wy``; ``V = B M B x G/(G-1) x (N-1)/(N-K)`` with
    ``B = (X'WX)^-1`` and ``M = sum_g s_g s_g'``, ``s_g = sum_{i in g} w_i x_i e_i``
    (Liang-Zeger with statsmodels' small-sample factor); t with ``G - 1`` degrees of
    freedom (Cameron & Miller 2015).
    """

    def __init__(self, y, X, weights, groups):
        from scipy import stats

        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        w = np.asarray(weights, dtype=float)
        g = pd.factorize(groups)[0]
        n, k = X.shape
        Xw = X * w[:, None]
        bread = np.linalg.inv(Xw.T @ X)
        self.params = bread @ (Xw.T @ y)
        resid = y - X @ self.params
        n_g = int(g.max()) + 1 if n else 0
        scores = np.column_stack(
            [np.bincount(g, weights=Xw[:, m] * resid, minlength=n_g) for m in range(k)]
        )
        factor = n_g / (n_g - 1) * (n - 1) / (n - k)
        self.cov_params_ = bread @ (scores.T @ scores) @ bread * factor
        self.bse = np.sqrt(np.diag(self.cov_params_))
        self.tvalues = self.params / self.bse
        self.nobs, self.n_groups = n, n_g
        self.df_resid_inference = n_g - 1
        self._t = stats.t(self.df_resid_inference)
        self.pvalues = 2 * self._t.sf(np.abs(self.tvalues))

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """``[low, high]`` per coefficient (t with ``G - 1`` degrees of freedom)."""
        q = self._t.ppf(1 - alpha / 2)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])


def _fe_fit(y, X, fe, w, clusters):
    """WLS of ``y`` on ``X`` after absorbing ``fe``, SE clustered on ``clusters``."""
    fe_codes = pd.factorize(fe)[0]
    yt = absorb(y, fe_codes, w)
    Xt = absorb(X, fe_codes, w)
    return ClusteredWLS(yt, Xt, w, clusters)


def _price_cells(tx, as_of, customers: pd.Index) -> tuple[pd.DataFrame, pd.Index]:
    """The customer x product cells of the price premium with integer ``customer`` and
    ``product`` codes, and the customer ids by code (text ids for millions of cells cost
    more to bring into pandas and factorize there than the model itself)."""
    cells = customer_product_price_codes(tx, as_of=as_of, customers=customers)
    if not (cells["customer"] < 0).any():
        return cells, pd.Index(customers)
    cells = customer_product_prices(tx, as_of=as_of)  # a customer not in ``customers``
    codes, ids = pd.factorize(cells["customer_id"])
    cells["customer"] = codes
    cells["product"] = pd.factorize(cells["product_id"])[0]
    return cells, pd.Index(ids)


def premium_fit(cells: pd.DataFrame, tiers: pd.Series):
    """The price-premium regression on customer x product cells (a :class:`ClusteredWLS`).

    ``cells``: ``customer_id``, ``product_id``, ``quantity``, ``log_price`` (as
    :func:`kamresearch.engine.panels.customer_product_prices`); ``tiers``: tier
    per customer. Parameters: ``[key, major]`` log-price differences against general.
    """
    t = cells["customer_id"].map(tiers).fillna("general")
    X = _tier_dummies(t)
    res = _fe_fit(
        cells["log_price"].to_numpy(float),
        X,
        cells["product_id"].to_numpy(),
        cells["quantity"].to_numpy(float),
        cells["customer_id"].to_numpy(),
    )
    return res


def order_size_fit(cells: pd.DataFrame, tiers: pd.Series):
    """The order-size regression on customer x period cells (a :class:`ClusteredWLS`).

    ``cells``: ``customer_id``, ``period``, ``n_orders``, ``mean_log_value`` (as
    :func:`kamresearch.engine.panels.order_cells`), cells with orders only.
    Weighting each cell by its orders gives the order-level OLS coefficients.
    """
    t = cells["customer_id"].map(tiers).fillna("general")
    res = _fe_fit(
        cells["mean_log_value"].to_numpy(float),
        _tier_dummies(t),
        _period_keys(cells["period"]),
        cells["n_orders"].to_numpy(float),
        cells["customer_id"].to_numpy(),
    )
    return res


def _period_keys(period: pd.Series) -> np.ndarray:
    """Periods as integers (the ordinals of a Period column): the same groups as their
    labels, without formatting millions of labels as text."""
    if isinstance(period.dtype, pd.PeriodDtype):
        return period.array.asi8
    return period.astype(str).to_numpy()


def repurchase_fit(per_customer: pd.DataFrame, tiers: pd.Series):
    """The repurchase Poisson GLM (a statsmodels result); params ``[const, key, major]``.

    ``per_customer``: index customer id, ``n_orders``, ``exposure_months``.
    """
    t = tiers.reindex(per_customer.index).fillna("general")
    X = sm.add_constant(_tier_dummies(t), has_constant="add")
    model = sm.GLM(
        per_customer["n_orders"].to_numpy(float),
        X,
        family=sm.families.Poisson(),
        exposure=per_customer["exposure_months"].to_numpy(float),
    )
    return model.fit(cov_type="HC0")


def _row(mark, contrast, res, j, n_cust, n_obs, *, log_scale=True):
    b, (lo, hi), p = res.params[j], res.conf_int()[j], res.pvalues[j]
    est, lo, hi = np.expm1([b, lo, hi]) if log_scale else (b, lo, hi)
    return {
        "mark": mark,
        "contrast": contrast,
        "estimate": float(est),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": float(p),
        "n_customers": int(n_cust),
        "n_obs": int(n_obs),
        "method": _METHODS[mark],
        "reading": text.mark_reading(mark, contrast, float(est), float(lo), float(hi), float(p)),
    }


def _missing(mark, contrast, reason, n_cust=0, n_obs=0):
    return {
        "mark": mark,
        "contrast": contrast,
        "estimate": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p_value": np.nan,
        "n_customers": int(n_cust),
        "n_obs": int(n_obs),
        "method": _METHODS[mark],
        "reading": text.missing_reading(mark, contrast, reason),
    }


def _counts(customers: pd.Index, tiers: pd.Series) -> pd.Series:
    return tiers.reindex(customers).fillna("general").value_counts()


def _rows_for(mark, fit, customers, tiers, n_obs_by_tier, coef_index):
    counts = _counts(customers, tiers)
    rows, need = [], []
    for contrast, tier in _CONTRASTS:
        n_t, n_g = int(counts.get(tier, 0)), int(counts.get("general", 0))
        if min(n_t, n_g) < MIN_TIER_CUSTOMERS:
            need.append((contrast, tier, n_t, n_g))
    res = None
    if len(need) < len(_CONTRASTS):
        res = fit()
    for contrast, tier in _CONTRASTS:
        n_t, n_g = int(counts.get(tier, 0)), int(counts.get("general", 0))
        n_obs = n_obs_by_tier.get(tier, 0) + n_obs_by_tier.get("general", 0)
        if min(n_t, n_g) < MIN_TIER_CUSTOMERS:
            short = tier if n_t < MIN_TIER_CUSTOMERS else "general"
            reason = text.too_few_reason(min(n_t, n_g), short, MIN_TIER_CUSTOMERS)
            rows.append(_missing(mark, contrast, reason, n_t + n_g, n_obs))
        else:
            rows.append(_row(mark, contrast, res, coef_index[tier], n_t + n_g, n_obs))
    return rows


def key_account_tests(tx: pd.DataFrame, *, tiers=(0.01, 0.20), as_of=None) -> pd.DataFrame:
    """Test the three marks of a key account: price premium, order size, repurchase.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``product_id``, ``quantity`` and ``unit_price``
        for the price premium; ``invoice_id`` makes an order an invoice).
    tiers : (float, float)
        ``(key, major)`` shares of the customer pyramid
        (:func:`kamresearch.pareto.customer_tiers` on net revenue up to ``as_of``).
    as_of : date-like, optional
        Lines after this day are ignored. Default: the last date in ``tx``.

    Returns
    -------
    DataFrame
        One row per mark x contrast (``price_premium``, ``order_size``,
        ``repurchase`` x ``key_vs_general``, ``major_vs_general``):

        - ``mark``, ``contrast``;
        - ``estimate``: the difference as a share (0.12 = key accounts 12% higher);
        - ``ci_low``, ``ci_high``: its 95% confidence interval;
        - ``p_value``: two-sided, against no difference;
        - ``n_customers``: customers of the two tiers in the model;
        - ``n_obs``: their observations (customer x product cells for the
          premium, orders for order size, customers for repurchase);
        - ``method``: the model in words;
        - ``reading``: the result in one plain sentence with its uncertainty.

        A row that cannot be estimated (no product prices; fewer than
        :data:`MIN_TIER_CUSTOMERS` customers with data in a tier) has NaN
        figures and a reading saying why. ``attrs``: ``as_of``, ``tiers``,
        ``order_unit``.

    Raises
    ------
    ConfigError
        Unless ``0 < key <= major <= 1``.

    Notes
    -----
    Tiers ``T_i`` (key / major / general) come from net revenue up to ``as_of``.

    *Price premium* (the cleanest of the three: the same product, bought by
    different tiers). On lines with ``quantity > 0`` and ``unit_price > 0``,
    ``ln p_l = a_product + b_key [T=key] + b_major [T=major] + e_l``, weighted by
    quantity. Lines are collapsed to customer x product cells (quantity-weighted
    mean log price, weight = quantity), which leaves the coefficients and the
    cluster sandwich unchanged; the product effects are absorbed by
    quantity-weighted demeaning within product. Standard errors are clustered
    by customer (statsmodels ``cov_type="cluster"``, small-sample factor
    ``G/(G-1) (N-1)/(N-K)`` with ``K`` the tier coefficients, t with ``G - 1``
    degrees of freedom). Estimate ``exp(b) - 1``.

    *Order size*. ``ln v_o = a_period + b_key [T=key] + b_major [T=major] + e_o``
    over orders ``o`` of positive value (invoices, else customer-days), period
    effects by calendar quarter, clustered by customer, collapsed exactly to
    customer x quarter cells weighted by their orders. Estimate ``exp(b) - 1``.

    *Repurchase*. ``orders_i ~ Poisson(m_i exp(a + b_key [T=key] + b_major
    [T=major]))`` with ``m_i`` the customer's observed months (first order to
    ``as_of``, in months of 30.4375 days, plus one day) as exposure;
    robust (HC0) standard errors, so over-dispersion does not shrink the CI.
    Estimate ``exp(b) - 1``: the relative difference in orders per month.

    The tiers are ranked by revenue, and revenue = orders x order value, so the
    order-size and repurchase differences are partly mechanical: a customer who
    buys bigger or more often is more likely to be ranked key. The price
    premium compares prices of the same product and is not mechanical in that way.

    Examples
    --------
    >>> import kamresearch as kam
    >>> t = kam.evidence.key_account_tests(kam.load_sample())
    >>> t[["mark", "contrast"]].iloc[0].tolist()
    ['price_premium', 'key_vs_general']
    """
    try:
        key, major = (float(v) for v in tiers)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"tiers must be a pair (key, major) of shares, got {tiers!r}") from exc
    if not 0 < key <= major <= 1:
        raise ConfigError(f"tiers must satisfy 0 < key <= major <= 1, got {tiers!r}")
    as_of = resolve_as_of(tx, as_of)
    oc = order_cells(tx, freq="Q", as_of=as_of)
    revenue = oc.groupby("customer_id", sort=True)["revenue"].sum()
    tier = customer_tiers(revenue, key=key, major=major)
    rows, fits = [], {}

    # price premium
    have_prices = all(c in tx.columns for c in ("product_id", "quantity", "unit_price"))
    cells, ids = _price_cells(tx, as_of, revenue.index) if have_prices else (None, None)
    if cells is None or cells.empty:
        why = text.no_prices_reason(have_prices)
        rows += [_missing("price_premium", c, why) for c, _ in _CONTRASTS]
    else:
        # tiers by customer code, taken to the cells (the same values as mapping the ids)
        tier_of = tier.reindex(ids).fillna("general").to_numpy(dtype=object)
        code = cells["customer"].to_numpy()
        per_customer = np.bincount(code, minlength=len(ids))
        by_tier = pd.Series(per_customer).groupby(tier_of).sum()
        by_tier = by_tier[by_tier > 0].to_dict()

        def fit_premium():
            dummies = _tier_dummies(pd.Series(tier_of))
            fits["price_premium"] = _fe_fit(
                cells["log_price"].to_numpy(float),
                dummies[code],
                cells["product"].to_numpy(),
                cells["quantity"].to_numpy(float),
                code,
            )
            return fits["price_premium"]

        rows += _rows_for(
            "price_premium",
            fit_premium,
            ids[per_customer > 0],
            tier,
            by_tier,
            {"key": 0, "major": 1},
        )

    # order size
    oc_pos = oc[oc["n_orders"] > 0]
    orders_by_tier = oc_pos.groupby(oc_pos["customer_id"].map(tier).fillna("general"))[
        "n_orders"
    ].sum()

    def fit_size():
        fits["order_size"] = order_size_fit(oc_pos, tier)
        return fits["order_size"]

    rows += _rows_for(
        "order_size",
        fit_size,
        pd.Index(oc_pos["customer_id"].unique()),
        tier,
        orders_by_tier.to_dict(),
        {"key": 0, "major": 1},
    )

    # repurchase
    per = oc_pos.groupby("customer_id").agg(
        n_orders=("n_orders", "sum"), first_order=("first_order", "min")
    )
    per["exposure_months"] = ((as_of - per["first_order"]).dt.days + 1) / 30.4375
    cust_by_tier = tier.reindex(per.index).fillna("general").value_counts().to_dict()

    def fit_rep():
        fits["repurchase"] = repurchase_fit(per, tier)
        return fits["repurchase"]

    rows += _rows_for("repurchase", fit_rep, per.index, tier, cust_by_tier, {"key": 1, "major": 2})

    out = pd.DataFrame(rows, columns=list(TEST_COLUMNS))
    out.attrs = {
        "as_of": as_of,
        "tiers": (key, major),
        "order_unit": oc.attrs["order_unit"],
    }
    return out
