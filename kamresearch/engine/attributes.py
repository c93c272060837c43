"""Each customer's value of an attribute column (owner, channel, industry, segment).

An export may carry a column such as the account's owner (业务员), sales channel
(渠道) or industry (行业) on every line. A customer's lines can disagree (an
account handed from one sales rep to another), so each customer gets one value:
the one with the most net revenue among its lines up to ``as_of`` (ties: the
first value in sort order; a customer whose lines all lack a value gets None).
"""

from __future__ import annotations

import pandas as pd

from .lines import memo, open_lines

__all__ = ["customer_attribute"]


@memo
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

    with open_lines(tx) as lines:
        t = lines.table
        if as_of is not None:
            t, _ = lines.cut(pd.Timestamp(as_of).normalize())
        t = t.select("customer_id", "amount", value=t[column])
        customers = t.select("customer_id").distinct()
        valued = t.filter(t.value.notnull())
        sums = valued.group_by(["customer_id", "value"]).aggregate(revenue=valued.amount.sum())
        w = ibis.window(group_by=sums.customer_id, order_by=[ibis.desc(sums.revenue), sums.value])
        best = sums.mutate(rank=ibis.row_number().over(w)).filter(lambda s: s["rank"] == 0)
        best = best.select("customer_id", "value")
        joined = customers.left_join(best, "customer_id").select(customers.customer_id, "value")
        out = lines.execute(joined).rename(columns={"value": column})
    out = out.sort_values("customer_id").set_index("customer_id")[column]
    out = out.astype(object).where(out.notna(), None)
    out.name = column
    return out
