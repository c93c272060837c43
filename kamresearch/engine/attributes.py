"""Each customer's value of an attribute column (owner, channel, industry, segment).

An export may carry a column such as the account's owner (业务员), sales channel
(渠道) or industry (行业) on every line. A customer's lines can disagree (an
account handed from one sales rep to another), so each customer gets one value:
the one with the most net revenue among its lines up to ``as_of`` (ties: the
first value in sort order; a customer whose lines all lack a value gets None).
"""

from __future__ import annotations

import pandas as pd

from .table import is_lazy

__all__ = ["customer_attribute"]


def customer_attribute(tx, column: str, *, as_of=None) -> pd.Series:
    """Each customer's value of ``column``: the one with the most net revenue.

    Parameters
    ----------
    tx : DataFrame or LazyTable
        Canonical transactions with the attribute column ``column``.
    column : str
        The attribute column (``"owner"``, ``"channel"``, ``"industry"``, ...).
    as_of : date-like, optional
        Lines after this day are ignored; default: every line.

    Returns
    -------
    Series
        Indexed by ``customer_id`` (sorted), named ``column``: the value whose
        lines carry the most net revenue of that customer (lines without a value
        are not counted; ties go to the first value in sort order); None when no
        line of the customer has a value.
    """
    import ibis

    if is_lazy(tx):
        t = tx.expr
    else:
        t = ibis.memtable(tx[["customer_id", "date", "amount", column]])
    if as_of is not None:
        end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
        t = t.filter(t.date < end.to_pydatetime())
    customers = t.select("customer_id").distinct()
    valued = t.filter(t[column].notnull())
    sums = valued.group_by(["customer_id", column]).aggregate(revenue=valued.amount.sum())
    w = ibis.window(group_by=sums.customer_id, order_by=[ibis.desc(sums.revenue), sums[column]])
    best = sums.mutate(rank=ibis.row_number().over(w)).filter(lambda s: s["rank"] == 0)
    best = best.select("customer_id", column)
    joined = customers.left_join(best, "customer_id").select(customers.customer_id, column)
    out = joined.execute() if not is_lazy(tx) else tx.expr._find_backend().execute(joined)
    out = out.sort_values("customer_id").set_index("customer_id")[column]
    out = out.astype(object).where(out.notna(), None)
    out.name = column
    return out
