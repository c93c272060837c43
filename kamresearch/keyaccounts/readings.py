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

import numpy as np
import pandas as pd

from ..i18n import N_, _, format_date, format_period, ngettext
from ..narrative import LEAK_RATE_HIGH
from ..plotting import format_money, format_pct

__all__ = [
    "TEXT",
    "LEAK_RATE_HIGH",
    "lost_readings",
    "scorecard_readings",
    "key_count_readings",
    "concentration_change_readings",
]

#: Every sentence of the key-account story (English; the zh catalog mirrors the keys).
TEXT = {
    "failure.keep": N_("can't keep"),
    "failure.grow": N_("can't grow"),
    "failure.win": N_("can't win"),
    "failure.none": N_("no failure dominates"),
    "label.largest_loss": N_("Largest lost key account"),
    "label.largest_fading": N_("Largest fading key account"),
    "reading.lost": N_(
        "Lost {account} {customer} ({region}): {share} of revenue, "
        "{revenue} over its lifetime; no purchase since {last} ({days} days)"
    ),
    "reading.fading": N_(
        "Fading {account} {customer} ({region}): {share} of revenue; "
        "spend in the last 12 months {change} against the 12 months before"
    ),
    "label.lost_count": N_("Lost or fading key/major accounts"),
    "reading.lost_count": N_(
        "{n_lost} key/major account(s) lost and {n_fading} fading, with "
        "{share} of revenue ({revenue}) over their lifetimes"
    ),
    "reading.lost_none": N_("No key or major account is lost or fading"),
    "label.failure": N_("Main key-account failure {period}"),
    "reading.failure": N_(
        "{period}: {failure} dominates — {left} of {open} opening key "
        "accounts left ({lost} stopped buying, {revenue_lost} of their "
        "{prev} revenue); the accounts kept {kept}; {entered} entered the pool"
    ),
    "reading.failure_none": N_(
        "{period}: {failure} — {left} of {open} opening key accounts "
        "left; the accounts kept {kept}; {entered} entered the pool"
    ),
    "kept.grew": N_("grew {pct}"),
    "kept.shrank": N_("shrank {pct}"),
    "kept.flat": N_("held level"),
    "label.key_pool": N_("Key-account pool {period}"),
    "reading.key_pool": N_(
        "Key-account pool in {period}: {start} → {end} (+{entered} entered, "
        "−{left} left, leak rate {leak}): {verdict}"
    ),
    "pool.leaking": N_(
        "a leaking pool: {left} of {start} opening key accounts left; only new entries keep it up"
    ),
    "pool.reservoir": N_("filling like a reservoir"),
    "pool.funnel": N_("draining like a funnel"),
    "pool.level": N_("holding level"),
    "pool.partial": N_("the period is not over, so this is not comparable with a full period"),
    "label.key_count": N_("Key accounts {period}"),
    "label.top_change": N_("Change of the top-{n} share {period}"),
    "reading.top_change": N_(
        "Top-{n} customers' share {direction} from {before} to {after} in {period}, driven by "
        "{drivers}"
    ),
    "direction.up": N_("rose"),
    "direction.down": N_("fell"),
    "direction.flat": N_("held"),
    "driver.lost": N_("{customer} (stopped buying; {before} of revenue before)"),
    "driver.new": N_("{customer} (new; {after} of revenue)"),
    "driver.moved": N_("{customer} ({before} → {after} of revenue)"),
    "label.window": N_("Inactivity window"),
    "reading.window_ok": N_(
        "Inactivity window {w} days: {per} reactivations per customer; it fits the buying "
        "rhythm of every tier"
    ),
    "reading.window_short": N_(
        "Inactivity window {w} days is too short: {per} reactivations per customer (customers "
        "called lost that came back); the rhythm of {tiers} suggests {days} days"
    ),
    "account.key": N_("key account"),
    "account.major": N_("major account"),
    "account.general": N_("general account"),
}


def _t(name: str, /, **kw) -> str:
    """The sentence ``TEXT[key]`` in the report's language, formatted."""
    text = _(TEXT[name])
    return text.format(**kw) if kw else text


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
        return _frame([_row("lost_accounts", _t("label.lost_count"), 0.0, "0",
                            _t("reading.lost_none"))])  # fmt: skip
    top = lost.iloc[0]
    if top["status"] == "lost":
        reading = _t("reading.lost",
            account=_t(f"account.{top['tier']}"), customer=top["customer_id"], region=top["region"],
            share=format_pct(top["share"], 1), revenue=format_money(top["revenue"], currency),
            last=format_date(top["last_purchase"]), days=int(top["days_since_last"]),
        )  # fmt: skip
        label = _t("label.largest_loss")
    else:
        reading = _t("reading.fading",
            account=_t(f"account.{top['tier']}"), customer=top["customer_id"], region=top["region"],
            share=format_pct(top["share"], 1), change=f"{top['spend_change']:+.0%}",
        )  # fmt: skip
        label = _t("label.largest_fading")
    n_lost = int((lost["status"] == "lost").sum())
    rows = [
        _row("largest_loss", label, float(top["revenue"]), str(top["customer_id"]), reading),
        _row("lost_accounts", _t("label.lost_count"), float(len(lost)), f"{len(lost)}",
             _t("reading.lost_count",
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
        return _t("kept.flat")
    shown = round(100 * growth, 1)
    if shown > 0:
        return _t("kept.grew", pct=format_pct(growth, 1))
    if shown < 0:
        return _t("kept.shrank", pct=format_pct(-growth, 1))
    return _t("kept.flat")


def pool_verdict(row) -> str:
    """The reservoir / funnel / leaking-pool verdict of one scorecard row (module Notes)."""
    if bool(row.get("partial", False)):
        return _t("pool.partial")
    entered, left, start = int(row["entered"]), int(row["left"]), int(row["open_key"])
    if start and entered >= left and left / start >= LEAK_RATE_HIGH - 1e-12:
        return _t("pool.leaking", left=left, start=start)
    if entered > left:
        return _t("pool.reservoir")
    if entered < left:
        return _t("pool.funnel")
    return _t("pool.level")


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
    label = format_period(period)
    if only_partial:
        label = _("{period} (partial)").format(period=label)
    fail = _t(f"failure.{r['failure']}")
    args = dict(period=label, failure=fail, left=int(r["left"]), open=int(r["open_key"]),
                lost=int(r["lost"]), revenue_lost=format_money(r["revenue_lost"], currency),
                prev=format_period(period - 1), kept=_kept(r["kept_growth"]), entered=int(r["entered"]))  # fmt: skip
    key = "reading.failure" if r["failure"] != "none" else "reading.failure_none"
    failure = _t(key, **args)
    if only_partial:
        failure = f"{label}: {_t('pool.partial')}"
    leak = r["leak_rate"]
    pool = _t("reading.key_pool",
        period=label, start=int(r["open_key"]), end=int(r["close_key"]), entered=int(r["entered"]),
        left=int(r["left"]), leak="–" if pd.isna(leak) else format_pct(leak), verdict=pool_verdict(r),
    )  # fmt: skip
    return _frame([
        _row("failure", _t("label.failure", period=label), str(r["failure"]), fail,
             failure),
        _row("key_pool", _t("label.key_pool", period=label), float(r["leak_rate"]),
             f"{int(r['open_key'])} → {int(r['close_key'])}", pool),
    ])  # fmt: skip


def key_count_readings(counts: pd.Series) -> pd.DataFrame:
    """One row ``key_accounts_<period>`` per period: the number of key accounts.

    ``counts``: key accounts per period (index: periods), e.g. the scorecard's
    ``close_key`` with the first period's ``open_key`` before it.
    """
    return _frame([
        _row(f"key_accounts_{p}", _t("label.key_count", period=format_period(p)), float(n),
             f"{int(n)}",
             ngettext("{n} key account in {period} (company tier standard)",
                      "{n} key accounts in {period} (company tier standard)",
                      int(n)).format(n=int(n), period=format_period(p)))
        for p, n in counts.items()
    ])  # fmt: skip


def concentration_change_readings(drivers: pd.DataFrame, *, n_drivers: int = 3) -> pd.DataFrame:
    """Reading of :func:`kamresearch.keyaccounts.concentration_drivers`: the top-N share's
    change with the (up to ``n_drivers``) accounts whose share moved most, named."""
    a = drivers.attrs
    if drivers.empty or pd.isna(a.get("top_share_before")):
        return _frame([])
    before, after = a["top_share_before"], a["top_share_after"]
    diff = round(100 * after, 1) - round(100 * before, 1)
    direction = _t(
        "direction.up" if diff > 0 else "direction.down" if diff < 0 else "direction.flat"
    )
    names = []
    for r in drivers.head(n_drivers).itertuples():
        if r.revenue_before <= 0:
            names.append(
                _t("driver.new", customer=r.customer_id, after=format_pct(r.share_after, 1))
            )
        elif r.revenue_after <= 0:
            names.append(_t("driver.lost", customer=r.customer_id,
                            before=format_pct(r.share_before, 1)))  # fmt: skip
        else:
            names.append(_t("driver.moved", customer=r.customer_id,
                            before=format_pct(r.share_before, 1),
                            after=format_pct(r.share_after, 1)))  # fmt: skip
    period, n = a["period"], a["top"]
    period = format_period(period) if isinstance(period, pd.Period) else period
    reading = _t("reading.top_change", n=n, direction=direction, before=format_pct(before, 1),
                 after=format_pct(after, 1), period=period, drivers="; ".join(names))  # fmt: skip
    return _frame([_row("top_change", _t("label.top_change", n=n, period=period),
                        float(after - before), f"{after - before:+.1%}", reading)])  # fmt: skip


def window_readings(check: pd.DataFrame) -> pd.DataFrame:
    """Reading of :func:`kamresearch.keyaccounts.window_check`: reactivations per customer,
    and a warning naming the tiers whose rhythm the window does not fit."""
    if check.empty:
        return _frame([])
    w = int(check.attrs["window_days"])
    per = float(check.loc["all", "reactivations_per_customer"])
    groups = check.drop(index="all")
    short = groups[groups["too_short"]]
    shown = f"{per:.2f}"
    if not short.empty or bool(check.loc["all", "too_short"]):
        short = short if not short.empty else check.loc[["all"]]
        tiers = ", ".join(_t(f"account.{g}") if f"account.{g}" in TEXT else str(g)
                          for g in short.index)  # fmt: skip
        days = int(np.nanmax(short["suggested_days"].to_numpy(float)))
        reading = _t("reading.window_short", w=w, per=shown, tiers=tiers, days=days)
    else:
        reading = _t("reading.window_ok", w=w, per=shown)
    return _frame([_row("inactivity_window", _t("label.window"), per, shown, reading)])
