"""The monthly key-account review (月大客户经营分析会): what changed since the last run.

Each region's report saves a machine-readable snapshot beside its files,
``<stem>.review.json`` (:func:`save_snapshot`): its settings, three figures and one
row per customer with a stable identifier (the ``customer_id``). The next run
(``kamresearch report --previous DIR``, by default the newest earlier run beside
``--out``: :func:`find_previous`) compares its own snapshot with the previous one
(:func:`review_changes`, :func:`review_figures`) and shows "Since the last review"
in each region's report and on the overview. A previous run whose data mapping,
unit, amount basis, currency or tier thresholds differ is not compared: the section
says why (:func:`settings_mismatch`).

Snapshot columns (:data:`SNAPSHOT_COLUMNS`), one row per customer with a line up to
``as_of``:

* ``customer_id``: the account's identifier (the stable key of the comparison);
* ``tier``: ``key``, ``major`` or ``general`` on that date (the company tier standard
  the report uses, on revenue up to ``as_of``);
* ``at_risk``: a live key or major account silent for longer than its own rhythm
  (:func:`kamresearch.churn.at_risk_accounts`);
* ``lost``: no purchase for longer than the inactivity window (``churned`` of
  :func:`kamresearch.churn.customer_lifetimes`);
* ``revenue_12m``: net revenue in the 12 months to ``as_of``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

__all__ = [
    "SNAPSHOT_COLUMNS",
    "CHANGES",
    "FIGURES",
    "COMPARED_SETTINGS",
    "account_snapshot",
    "review_changes",
    "review_figures",
    "settings_mismatch",
    "save_snapshot",
    "load_snapshot",
    "find_previous",
]

#: Columns of :func:`account_snapshot`.
SNAPSHOT_COLUMNS = ("customer_id", "tier", "at_risk", "lost", "revenue_12m")
#: The kinds of change :func:`review_changes` lists, in this order.
CHANGES = ("entered_key", "left_key", "key_lost", "new_at_risk", "recovered")
#: The figures :func:`review_figures` compares.
FIGURES = ("top10_share", "hhi", "key_revenue_12m")
#: Settings that must be equal for two runs to be compared.
COMPARED_SETTINGS = ("mapping", "unit", "amount_basis", "currency", "key_share", "major_share",
                     "tier_thresholds")  # fmt: skip


def account_snapshot(tiers: pd.Series, *, at_risk, lost, revenue_12m: pd.Series) -> pd.DataFrame:
    """One row per customer: tier, at risk, lost, 12-month revenue (:data:`SNAPSHOT_COLUMNS`).

    Parameters
    ----------
    tiers : Series
        Tier per customer (index ``customer_id``).
    at_risk : iterable
        Customer ids of the accounts at risk.
    lost : Series of bool
        Lost (churned) per customer; customers missing are not lost.
    revenue_12m : Series
        Net revenue in the 12 months to ``as_of`` per customer (missing: 0).
    """
    ids = pd.Index(tiers.index, name="customer_id").astype(str)
    risk = {str(c) for c in at_risk}
    lost = pd.Series(lost.to_numpy(), index=lost.index.astype(str))
    rev = pd.Series(revenue_12m.to_numpy(), index=revenue_12m.index.astype(str))
    return pd.DataFrame({
        "customer_id": ids,
        "tier": tiers.astype(str).to_numpy(),
        "at_risk": [c in risk for c in ids],
        "lost": lost.reindex(ids, fill_value=False).astype(bool).to_numpy(),
        "revenue_12m": rev.reindex(ids, fill_value=0.0).astype(float).to_numpy(),
    })  # fmt: skip


def review_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The accounts whose standing changed between two snapshots.

    Parameters
    ----------
    previous, current : DataFrame
        :func:`account_snapshot` of the earlier and the later date.

    Returns
    -------
    DataFrame
        One row per account and change, ordered by :data:`CHANGES` then by
        ``revenue_12m`` (largest first). Columns:

        - ``change``: ``entered_key`` (key now, not key before -- new customers
          included); ``left_key`` (key before, not key now, lost or not);
          ``key_lost`` (key before, and lost now but not before); ``new_at_risk``
          (at risk now, not before); ``recovered`` (at risk before, now neither at
          risk nor lost);
        - ``customer_id``;
        - ``tier_before``, ``tier_after``: the tiers (empty when the account is absent
          from that snapshot);
        - ``revenue_12m``: the account's 12-month revenue at the later date (0 when absent).
    """
    both = previous.set_index("customer_id").join(
        current.set_index("customer_id"), how="outer", lsuffix="_before", rsuffix="_after"
    )
    for col in ("at_risk_before", "at_risk_after", "lost_before", "lost_after"):
        both[col] = both[col].astype("boolean").fillna(False).astype(bool)
    tb, ta = both["tier_before"].fillna(""), both["tier_after"].fillna("")
    rules = {
        "entered_key": (ta == "key") & (tb != "key"),
        "left_key": (tb == "key") & (ta != "key"),
        "key_lost": (tb == "key") & both["lost_after"] & ~both["lost_before"],
        "new_at_risk": both["at_risk_after"] & ~both["at_risk_before"],
        "recovered": both["at_risk_before"] & ~both["at_risk_after"] & ~both["lost_after"],
    }
    parts = []
    for change in CHANGES:
        rows = both[rules[change]]
        parts.append(pd.DataFrame({
            "change": change,
            "customer_id": rows.index.astype(str),
            "tier_before": tb[rules[change]].to_numpy(),
            "tier_after": ta[rules[change]].to_numpy(),
            "revenue_12m": rows["revenue_12m_after"].fillna(0.0).astype(float).to_numpy(),
        }).sort_values(["revenue_12m", "customer_id"], ascending=[False, True], kind="stable"))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def review_figures(previous: dict, current: dict, *, date_before, date_after) -> pd.DataFrame:
    """The change of each of :data:`FIGURES` between two snapshots, with the two dates.

    Parameters
    ----------
    previous, current : dict
        The ``figures`` of two snapshots: ``top10_share`` (share of the 10 largest
        customers by net revenue up to the date), ``hhi`` (0-10,000, same base) and
        ``key_revenue_12m`` (12-month net revenue of the key-tier accounts).
    date_before, date_after : date-like
        The ``as_of`` of each snapshot.

    Returns
    -------
    DataFrame
        Index ``figure`` (:data:`FIGURES`); columns ``before``, ``after``,
        ``change`` (``after - before``; NaN when either is missing), ``date_before``,
        ``date_after`` (Timestamps).
    """
    rows = []
    for fig in FIGURES:
        a, b = _num(previous.get(fig)), _num(current.get(fig))
        rows.append({"figure": fig, "before": a, "after": b, "change": b - a,
                     "date_before": pd.Timestamp(date_before),
                     "date_after": pd.Timestamp(date_after)})  # fmt: skip
    return pd.DataFrame(rows).set_index("figure")


def _num(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return math.nan
    return x


def settings_mismatch(previous: dict, current: dict) -> list[str]:
    """The :data:`COMPARED_SETTINGS` whose values differ, as ``"name: old → new"``.

    A setting missing from both is equal; missing from one only is a difference.
    """
    out = []
    for key in COMPARED_SETTINGS:
        a, b = previous.get(key), current.get(key)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            same = math.isclose(a, b, rel_tol=1e-9)
        else:
            same = a == b
        if not same:
            out.append(f"{key}: {a!r} → {b!r}")
    return out


def save_snapshot(path, *, region, as_of, settings: dict, figures: dict,
                  accounts: pd.DataFrame, since: dict | None = None) -> Path:  # fmt: skip
    """Write a snapshot (the ``.review.json`` sidecar of a region's report)."""
    doc = {
        "kamresearch_review": 1,
        "region": region,
        "as_of": str(pd.Timestamp(as_of).date()),
        "settings": settings,
        "figures": {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
                    for k, v in figures.items()},
        "accounts": accounts[list(SNAPSHOT_COLUMNS)].to_dict(orient="list"),
        "since": since,
    }  # fmt: skip
    path = Path(path)
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def load_snapshot(path) -> dict:
    """Read a snapshot; ``accounts`` becomes a DataFrame of :data:`SNAPSHOT_COLUMNS`."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    doc["accounts"] = pd.DataFrame(doc["accounts"], columns=list(SNAPSHOT_COLUMNS))
    doc["accounts"]["customer_id"] = doc["accounts"]["customer_id"].astype(str)
    return doc


def find_previous(out, *, as_of) -> Path | None:
    """The newest earlier run beside ``out``: the default ``--previous``.

    Looks at the sibling folders of ``out`` (``out`` itself excluded) holding a
    ``manifest.json`` of a finished run (status ``ok`` or ``failed``) whose ``as_of``
    is before ``as_of``; returns the one with the latest ``as_of`` (ties: the latest
    ``finished``), or None.
    """
    out = Path(out).resolve()
    as_of = str(pd.Timestamp(as_of).date())
    best, key = None, None
    parent = out.parent
    if not parent.is_dir():
        return None
    for folder in parent.iterdir():
        if folder == out or not folder.is_dir():
            continue
        try:
            doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            when = str(doc["parameters"]["as_of"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if doc.get("status") not in ("ok", "failed") or not when < as_of:
            continue
        k = (when, str(doc.get("finished") or ""))
        if key is None or k > key:
            best, key = folder, k
    return best
