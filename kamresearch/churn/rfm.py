"""The RFM table of the lifetimes package (BG/NBD, Gamma-Gamma inputs), computed in the engine.

:func:`rfm_summary` gives, per customer, the four columns that
``lifetimes.BetaGeoFitter`` and ``lifetimes.GammaGammaFitter`` take. They are the
same as the RFM columns of :func:`kamresearch.churn.customer_lifetimes`, without
that table's gaps, window suggestion, region, attributes and tiers, so a large
table costs little more than one pass over the lines
(:mod:`kamresearch.engine.rfm`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..engine.facts import resolve_as_of
from ..engine.rfm import rfm_facts
from ..errors import DataError
from ..schema import check_transactions

__all__ = ["RFM_COLUMNS", "RFM_CONVENTION", "rfm_summary"]

logger = logging.getLogger("kamresearch")

#: Output columns of :func:`rfm_summary`, in order.
RFM_COLUMNS = ("frequency", "recency", "T", "monetary_value")

#: The purchase-day convention of :func:`rfm_summary` (kept in its ``attrs``).
RFM_CONVENTION = (
    "A purchase day is a calendar day on which the customer has at least one positive "
    "line; its revenue is the net of all the customer's lines that day (same-day returns "
    "netted); days with returns only are not purchases. frequency = purchase days - 1, "
    "recency = last - first purchase day, T = as_of - first purchase day (days), "
    "monetary_value = mean revenue of the purchase days after the first (0 without one)."
)


def rfm_summary(tx, *, as_of=None) -> pd.DataFrame:
    """The RFM table per customer: frequency, recency, age and mean repeat spend.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions (:func:`kamresearch.read_transactions`) or a lazy
        table (:func:`kamresearch.scan_transactions`): the same result.
    as_of : date-like, optional
        The end of the observation period (that day included); lines after it are
        ignored and counted. Default: the last date in ``tx``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), one row per customer with a purchase
        day up to ``as_of``:

        - ``frequency`` (int64): repeat purchase days, the number of purchase days - 1.
        - ``recency`` (int64): days from the first to the last purchase day (0 when
          ``frequency`` is 0).
        - ``T`` (int64): days from the first purchase day to ``as_of``.
        - ``monetary_value`` (float64): mean net revenue of the repeat purchase days
          (every purchase day but the first); 0.0 when ``frequency`` is 0.

        ``attrs``: ``as_of`` (Timestamp), ``lines_after_as_of``,
        ``customers_without_purchase`` (customers with lines up to ``as_of`` but
        returns only: left out), ``convention`` (:data:`RFM_CONVENTION`).

    Raises
    ------
    DataError
        When ``tx`` is empty and no ``as_of`` is given, ``as_of`` is not a date or
        lies before the first line, or no line is left up to ``as_of``.

    See Also
    --------
    kamresearch.churn.customer_lifetimes : the same four columns, with the lifetime,
        gaps, region and tier of each customer.

    Notes
    -----
    These are the columns of ``lifetimes.utils.summary_data_from_transaction_data``
    at daily frequency (``freq="D"``) applied to the lines of the purchase days
    (:data:`RFM_CONVENTION`). lifetimes itself counts every day with a line, so
    on data with returns its table differs: a day with returns only is a
    "purchase" there, and a same-day return is a separate negative amount. The
    same convention as :func:`kamresearch.churn.customer_lifetimes`.

    ``monetary_value`` is computed as ``(R - R_1) / frequency`` with ``R`` the net
    revenue of all purchase days and ``R_1`` that of the first one (one pass, no
    ordering of the days). The subtraction loses relative precision of about
    ``1e-16 * |R| / |R - R_1|``: negligible unless the first day's revenue exceeds
    the repeat days' total by some ``1e7`` times (then only ~1e-9 relative is left).

    Examples
    --------
    >>> import kamresearch as kam
    >>> tx = kam.load_sample()
    >>> rfm = kam.churn.rfm_summary(tx)
    >>> list(rfm.columns)
    ['frequency', 'recency', 'T', 'monetary_value']
    >>> lt = kam.churn.customer_lifetimes(tx, inactivity_days=180)
    >>> rfm[["frequency", "recency", "T"]].equals(lt[["frequency", "recency", "T"]])
    True
    >>> bool(((rfm["frequency"] == 0) == (rfm["monetary_value"] == 0)).all())
    True
    """
    check_transactions(tx)
    as_of = resolve_as_of(tx, as_of)
    got = rfm_facts(tx, as_of=as_of)
    facts = got["facts"]
    n_without, n_after = got["customers_without_purchase"], got["lines_after_as_of"]
    if len(facts) == 0 and n_without == 0:
        raise DataError(
            f"no transactions up to as_of={as_of.date()}", fix="check as_of and the data window"
        )
    day = int((as_of - pd.Timestamp(0)).days)
    freq = facts["n_days"].to_numpy() - 1
    repeat = facts["revenue"].to_numpy() - facts["first_revenue"].to_numpy()
    out = pd.DataFrame(
        {
            "frequency": freq.astype("int64"),
            "recency": (facts["last_day"] - facts["first_day"]).to_numpy().astype("int64"),
            "T": (day - facts["first_day"]).to_numpy().astype("int64"),
            "monetary_value": np.where(freq > 0, repeat / np.maximum(freq, 1), 0.0),
        },
        index=facts.index.copy(),
    )
    out.index.name = "customer_id"
    out.attrs = {
        "as_of": as_of,
        "lines_after_as_of": n_after,
        "customers_without_purchase": n_without,
        "convention": RFM_CONVENTION,
    }
    if n_after:
        logger.info("rfm: %d lines after as_of=%s ignored", n_after, as_of.date())
    return out
