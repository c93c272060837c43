"""Plain-language readings of the key-account story: the largest loss, the dominant failure,
the key pool's inflow and outflow.

Each function takes an analysis result and returns a readings table with the
columns of :data:`kamresearch.narrative.READING_COLUMNS` (``figure``, ``label``,
``value``, ``display``, ``reading``), like :mod:`kamresearch.narrative`. Every
sentence template is in :data:`TEXT`, so a language catalog can replace them
in one place.

Rules
-----
* The largest loss is the lost or fading key/major account with the most
  lifetime revenue (:func:`kamresearch.keyaccounts.lost_accounts`).
* The dominant failure is :func:`kamresearch.keyaccounts.dominant_failure` of
  the last full period (a partial-only period gets no verdict).
* The key pool: a leak rate (opening key accounts that left ÷ opening key
  accounts) of :data:`kamresearch.narrative.LEAK_RATE_HIGH` or more while at
  least as many entered is a *leaking pool* (it holds up only by refilling);
  otherwise more entered than left is a reservoir, fewer a funnel.
"""

from __future__ import annotations

import pandas as pd

from ..narrative import LEAK_RATE_HIGH
from ..plotting import format_money, format_pct

__all__ = ["TEXT", "LEAK_RATE_HIGH", "lost_readings", "scorecard_readings", "key_count_readings"]

#: Every sentence of the key-account story (English; the zh catalog mirrors the keys).
TEXT = {
    "failure.keep": "can't keep",
    "failure.grow": "can't grow",
    "failure.win": "can't win",
    "failure.none": "no failure dominates",
    "label.largest_loss": "Largest lost key account",
    "label.largest_fading": "Largest fading key account",
    "reading.lost": (
        "Lost {tier} account {customer} ({region}): {share} of revenue, "
        "{revenue} over its lifetime; no purchase since {last} ({days} days)"
    ),
    "reading.fading": (
        "Fading {tier} account {customer} ({region}): {share} of revenue; "
        "spend in the last 12 months {change} against the 12 months before"
    ),
    "label.lost_count": "Lost or fading key/major accounts",
    "reading.lost_count": (
        "{n_lost} key/major account(s) lost and {n_fading} fading, with "
        "{share} of revenue ({revenue}) over their lifetimes"
    ),
    "reading.lost_none": "No key or major account is lost or fading",
    "label.failure": "Main key-account failure {period}",
    "reading.failure": (
        "{period}: {failure} dominates — {left} of {open} opening key "
        "accounts left ({lost} stopped buying, {revenue_lost} of their "
        "{prev} revenue); the accounts kept {kept}; {entered} entered the pool"
    ),
    "reading.failure_none": (
        "{period}: {failure} — {left} of {open} opening key accounts "
        "left; the accounts kept {kept}; {entered} entered the pool"
    ),
    "kept.grew": "grew {pct}",
    "kept.shrank": "shrank {pct}",
    "kept.flat": "held level",
    "label.key_pool": "Key-account pool {period}",
    "reading.key_pool": (
        "Key-account pool in {period}: {start} → {end} (+{entered} entered, "
        "−{left} left, leak rate {leak}): {verdict}"
    ),
    "pool.leaking": (
        "a leaking pool: {left} of {start} opening key accounts left; only new entries keep it up"
    ),
    "pool.reservoir": "filling like a reservoir",
    "pool.funnel": "draining like a funnel",
    "pool.level": "holding level",
    "pool.partial": "the period is not over, so this is not comparable with a full period",
    "label.key_count": "Key accounts {period}",
    "reading.key_count": "{n} key account{s} in {period} (company tier standard)",
}


def _row(figure, label, value, display, reading):
    return {"figure": figure, "label": label, "value": value, "display": display,
            "reading": reading}  # fmt: skip


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["figure", "label", "value", "display", "reading"])


def lost_readings(lost: pd.DataFrame, *, currency: str = "") -> pd.DataFrame:
    """Readings of :func:`kamresearch.keyaccounts.lost_accounts`.

    Returns
    -------
    DataFrame
        Rows ``largest_loss`` (the lost or fading account with the largest
        lifetime revenue; absent when none) and ``lost_accounts`` (counts).
    """
    if lost.empty:
        return _frame([_row("lost_accounts", TEXT["label.lost_count"], 0.0, "0",
                            TEXT["reading.lost_none"])])  # fmt: skip
    top = lost.iloc[0]
    if top["status"] == "lost":
        reading = TEXT["reading.lost"].format(
            tier=top["tier"], customer=top["customer_id"], region=top["region"],
            share=format_pct(top["share"], 1), revenue=format_money(top["revenue"], currency),
            last=f"{pd.Timestamp(top['last_purchase']):%Y-%m-%d}", days=int(top["days_since_last"]),
        )  # fmt: skip
        label = TEXT["label.largest_loss"]
    else:
        reading = TEXT["reading.fading"].format(
            tier=top["tier"], customer=top["customer_id"], region=top["region"],
            share=format_pct(top["share"], 1), change=f"{top['spend_change']:+.0%}",
        )  # fmt: skip
        label = TEXT["label.largest_fading"]
    n_lost = int((lost["status"] == "lost").sum())
    rows = [
        _row("largest_loss", label, float(top["revenue"]), str(top["customer_id"]), reading),
        _row("lost_accounts", TEXT["label.lost_count"], float(len(lost)), f"{len(lost)}",
             TEXT["reading.lost_count"].format(
                 n_lost=n_lost, n_fading=len(lost) - n_lost,
                 share=format_pct(lost["share"].sum(), 1),
                 revenue=format_money(lost["revenue"].sum(), currency))),
    ]  # fmt: skip
    return _frame(rows)


def _last_full(card: pd.DataFrame):
    full = card[~card["partial"]] if "partial" in card.columns else card
    return (full.tail(1), False) if len(full) else (card.tail(1), True)


def _kept(growth: float) -> str:
    if pd.isna(growth):
        return TEXT["kept.flat"]
    shown = round(100 * growth, 1)
    if shown > 0:
        return TEXT["kept.grew"].format(pct=format_pct(growth, 1))
    if shown < 0:
        return TEXT["kept.shrank"].format(pct=format_pct(-growth, 1))
    return TEXT["kept.flat"]


def pool_verdict(row) -> str:
    """The reservoir / funnel / leaking-pool verdict of one scorecard row (module Notes)."""
    if bool(row.get("partial", False)):
        return TEXT["pool.partial"]
    entered, left, start = int(row["entered"]), int(row["left"]), int(row["open_key"])
    if start and entered >= left and left / start >= LEAK_RATE_HIGH - 1e-12:
        return TEXT["pool.leaking"].format(left=left, start=start)
    if entered > left:
        return TEXT["pool.reservoir"]
    if entered < left:
        return TEXT["pool.funnel"]
    return TEXT["pool.level"]


def scorecard_readings(card: pd.DataFrame, *, currency: str = "") -> pd.DataFrame:
    """Readings of :func:`kamresearch.keyaccounts.win_grow_keep` (its last full period).

    Returns
    -------
    DataFrame
        Rows ``failure`` (the dominant failure, with the figures behind it) and
        ``key_pool`` (inflow, outflow, leak rate and the reservoir / funnel /
        leaking-pool verdict). Empty when the scorecard is empty.
    """
    if card.empty:
        return _frame([])
    last, only_partial = _last_full(card)
    r = last.iloc[0]
    period = last.index[0]
    label = f"{period}" + (" (partial)" if only_partial else "")
    fail = TEXT[f"failure.{r['failure']}"]
    args = dict(period=label, failure=fail, left=int(r["left"]), open=int(r["open_key"]),
                lost=int(r["lost"]), revenue_lost=format_money(r["revenue_lost"], currency),
                prev=period - 1, kept=_kept(r["kept_growth"]), entered=int(r["entered"]))  # fmt: skip
    key = "reading.failure" if r["failure"] != "none" else "reading.failure_none"
    failure = TEXT[key].format(**args)
    if only_partial:
        failure = f"{label}: {TEXT['pool.partial']}"
    leak = r["leak_rate"]
    pool = TEXT["reading.key_pool"].format(
        period=label, start=int(r["open_key"]), end=int(r["close_key"]), entered=int(r["entered"]),
        left=int(r["left"]), leak="–" if pd.isna(leak) else format_pct(leak), verdict=pool_verdict(r),
    )  # fmt: skip
    return _frame([
        _row("failure", TEXT["label.failure"].format(period=label), str(r["failure"]), fail,
             failure),
        _row("key_pool", TEXT["label.key_pool"].format(period=label), float(r["leak_rate"]),
             f"{int(r['open_key'])} → {int(r['close_key'])}", pool),
    ])  # fmt: skip


def key_count_readings(counts: pd.Series) -> pd.DataFrame:
    """One row ``key_accounts_<period>`` per period: the number of key accounts.

    ``counts``: key accounts per period (index: periods), e.g. the scorecard's
    ``close_key`` with the first period's ``open_key`` before it.
    """
    return _frame([
        _row(f"key_accounts_{p}", TEXT["label.key_count"].format(period=p), float(n), f"{int(n)}",
             TEXT["reading.key_count"].format(n=int(n), s="" if int(n) == 1 else "s", period=p))
        for p, n in counts.items()
    ])  # fmt: skip
