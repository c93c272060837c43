"""The "Since the last review" section of a region report (the monthly review).

A mixin of :class:`~kamresearch.reports.RegionReport`: it builds the region's
snapshot (:mod:`kamresearch.reports.review`), compares it with the previous run's
and writes the snapshot beside the report for the next run.
"""

from __future__ import annotations

import html
import logging
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..i18n import N_, _, format_date, format_money, format_number, format_pct, ngettext
from . import review

__all__ = ["ReviewSections", "CHANGE_TITLES", "FIGURE_TITLES"]

log = logging.getLogger("kamresearch")

#: How each kind of change is titled in the section and on the overview.
CHANGE_TITLES = {
    "entered_key": N_("Entered the key tier"),
    "left_key": N_("Left the key tier"),
    "key_lost": N_("Key accounts lost"),
    "new_at_risk": N_("New at-risk accounts"),
    "recovered": N_("Recovered (no longer at risk)"),
}
#: How each compared figure is titled.
FIGURE_TITLES = {
    "top10_share": N_("Top 10 customers' share"),
    "hhi": N_("HHI"),
    "key_revenue_12m": N_("Key-tier revenue, last 12 months"),
}


def _display(obj):
    from IPython.display import display

    display(obj)


def _fmt(fig: str, x: float) -> str:
    if x != x:  # NaN
        return "–"
    if fig == "top10_share":
        return format_pct(x, 1)
    if fig == "hhi":
        return format_number(x)
    return format_money(x)


def _fmt_change(fig: str, x: float) -> str:
    """A change with its sign; one that rounds to zero as shown reads ±0, not −0."""
    if x != x:
        return "–"
    if fig == "top10_share":
        shown = format_number(abs(x) * 100, 1)
    else:
        shown = _fmt(fig, abs(x))
    zero = not any(ch in "123456789" for ch in shown)
    sign = "±" if zero else "+" if x > 0 else "−"
    if fig == "top10_share":
        return _("{sign}{points} points").format(sign=sign, points=shown)
    return sign + shown


def _changes_table(changes: pd.DataFrame, dates: str):
    """The accounts that changed as deterministic HTML under client labels."""
    from IPython.display import HTML

    tiers = {"key": _("key"), "major": _("major"), "general": _("general"), "": "–"}
    shown = pd.DataFrame({
        _("Change"): [_(CHANGE_TITLES[c]) for c in changes["change"]],
        _("Customer"): changes["customer_id"].tolist(),
        _("Tier before"): [tiers.get(t, t) for t in changes["tier_before"]],
        _("Tier after"): [tiers.get(t, t) for t in changes["tier_after"]],
        _("Revenue, last 12 months"): [format_money(x) for x in changes["revenue_12m"]],
    })  # fmt: skip
    cap = html.escape(_("Accounts that changed, {dates}").format(dates=dates))
    body = shown.to_html(index=False, border=0, classes="kam-table", escape=True)
    return HTML(f"<p><i>{cap}</i></p>{body}")


class ReviewSections:
    """Mixin: the monthly review of :class:`~kamresearch.reports.RegionReport`."""

    _since: dict | None = None

    @cached_property
    def review_snapshot(self) -> pd.DataFrame:
        """This report's accounts for the next review (:func:`review.account_snapshot`)."""
        lt = self.lifetimes
        risk = self.at_risk["customer_id"] if len(self.at_risk) else []
        return review.account_snapshot(self.classes["tier"], at_risk=risk, lost=lt["churned"],
                                       revenue_12m=lt["revenue_12m"])  # fmt: skip

    def review_figures_now(self) -> dict:
        """The figures of this report's snapshot (:data:`review.FIGURES`)."""
        s, snap = self.summary, self.review_snapshot
        return {"top10_share": float(s["top10_share"]), "hhi": float(s["hhi"]),
                "key_revenue_12m": float(snap.loc[snap["tier"] == "key", "revenue_12m"].sum())}  # fmt: skip

    def review_settings(self) -> dict:
        """The report's own settings a comparison requires equal."""
        thresholds = getattr(self, "thresholds", None)
        return {"key_share": self.key_share, "major_share": self.major_share,
                "currency": self.currency,
                "tier_thresholds": None if thresholds is None else list(thresholds)}  # fmt: skip

    def since_last_review(self, previous=None, mismatch=None):
        """ "Since the last review": changes of accounts and figures since the previous run.

        Parameters
        ----------
        previous : str or path, optional
            The previous run's snapshot of this region (``<stem>.review.json``); None
            and no ``mismatch``: no section (a first run).
        mismatch : str, optional
            Why the previous run cannot be compared (set by the report run); shown
            instead of a comparison.
        """
        from IPython.display import Markdown

        if previous is None and not mismatch:
            return
        _display(Markdown("## " + _("Since the last review")))
        if mismatch:
            _display(Markdown(html.escape(_("The previous review is not compared: {why}.").format(
                why=mismatch))))  # fmt: skip
            self._since = {"mismatch": mismatch}
            return
        try:
            prev = review.load_snapshot(previous)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("previous review %s unreadable: %s", previous, exc)
            _display(Markdown(html.escape(_("The previous review could not be read.").format())))
            self._since = {"mismatch": "unreadable"}
            return
        diff = review.settings_mismatch(prev.get("settings") or {}, self.review_settings())
        if diff:
            why = "; ".join(diff)
            _display(Markdown(html.escape(_("The previous review is not compared: {why}.").format(
                why=why))))  # fmt: skip
            self._since = {"mismatch": why}
            return
        with self.section(_("Since the last review")):
            self._compare(prev)

    def _compare(self, prev: dict):
        from IPython.display import Markdown

        before, after = pd.Timestamp(prev["as_of"]), self.as_of
        changes = review.review_changes(prev["accounts"], self.review_snapshot)
        figures = review.review_figures(prev["figures"], self.review_figures_now(),
                                        date_before=before, date_after=after)  # fmt: skip
        dates = _("{before} → {after}").format(before=format_date(before), after=format_date(after))
        lines = [_("Compared: the review of {before} with this one of {after}.").format(
            before=format_date(before), after=format_date(after))]  # fmt: skip
        for fig, row in figures.iterrows():
            lines.append("- " + _("{title}: {before} → {after} ({change}; {dates})").format(
                title=_(FIGURE_TITLES[fig]), before=_fmt(fig, row["before"]),
                after=_fmt(fig, row["after"]), change=_fmt_change(fig, row["change"]),
                dates=dates))  # fmt: skip
        counts = changes["change"].value_counts().reindex(review.CHANGES, fill_value=0)
        for change, k in counts.items():
            lines.append("- " + ngettext("{title}: {n} account ({dates})",
                                         "{title}: {n} accounts ({dates})", int(k)).format(
                title=_(CHANGE_TITLES[change]), n=format_number(int(k)), dates=dates))  # fmt: skip
        _display(Markdown("\n".join(html.escape(x, quote=False) for x in lines)))
        if len(changes):
            _display(_changes_table(changes.head(60), dates))
        self._since = {
            "date_before": str(before.date()),
            "date_after": str(after.date()),
            "counts": {k: int(v) for k, v in counts.items()},
            "figures": {f: {k: (None if r[k] != r[k] else float(r[k]))
                            for k in ("before", "after", "change")}
                        for f, r in figures.iterrows()},
            "accounts": {c: changes.loc[changes["change"] == c, "customer_id"].tolist()
                         for c in review.CHANGES},
        }  # fmt: skip

    def _save_review(self, output_dir, output_name) -> Path | None:
        """Write ``<output_name>.review.json`` (this report's snapshot, and the comparison)."""
        try:
            accounts = self.review_snapshot
            figures = self.review_figures_now()
        except Exception as exc:  # noqa: BLE001 - no snapshot for a region without data
            log.info("no review snapshot: %s", exc)
            return None
        path = Path(output_dir) / f"{output_name or 'report'}.review.json"
        return review.save_snapshot(path, region=self.region, as_of=self.as_of,
                                    settings=self.review_settings(), figures=figures,
                                    accounts=accounts, since=self._since)  # fmt: skip
