"""The key-account story sections of a region report: scorecard, lost accounts, tiers.

:class:`StorySections` is a mixin of :class:`kamresearch.reports.RegionReport`:
it sets the company's tier standard once (so a region's key accounts are
company key accounts), judges the last period on the data's own rhythm, and
renders the win / grow / keep scorecard with the named accounts behind it and
the lost and fading key accounts. Every client-facing label is in
:data:`LABELS` (with the sentences in :data:`kamresearch.keyaccounts.readings.TEXT`).
"""

from __future__ import annotations

import html
import logging
import warnings
from functools import cached_property

import pandas as pd

from .. import keyaccounts
from ..errors import DataError, KamError
from ..plotting import format_money, format_pct
from ..schema import ALL_REGIONS

__all__ = ["StorySections", "LABELS"]

log = logging.getLogger("kamresearch")

#: Client-facing labels of the story's tables (identifiers never reach the client).
LABELS = {
    "open_key": "Opening key accounts",
    "entered": "Entered the key pool",
    "won_new": "  of which new customers",
    "won_existing": "  of which existing customers",
    "new_customer_revenue": "Revenue from new customers",
    "new_customer_share": "  share of revenue",
    "median_days_to_key": "Days from first purchase to key tier (median)",
    "kept_growth": "Growth of the key accounts kept",
    "upgrades": "Customers moving up a tier",
    "downgrades": "Customers moving down a tier",
    "left": "Opening key accounts that left",
    "lost": "  of which stopped buying",
    "downgraded": "  of which fell to a lower tier",
    "leak_rate": "Leak rate of the key pool",
    "revenue_lost": "Revenue lost with them (previous period)",
    "key_grr": "Key-account gross revenue retention",
    "key_nrr": "Key-account net revenue retention",
    "close_key": "Closing key accounts",
    "failure": "Dominant failure",
    "group.win": "Win",
    "group.grow": "Grow",
    "group.keep": "Keep",
    "customer_id": "Account",
    "region": "Region",
    "tier": "Tier",
    "status": "Status",
    "revenue": "Lifetime revenue",
    "share": "Share of revenue",
    "first_purchase": "First purchase",
    "last_purchase": "Last purchase",
    "days_since_last": "Days since last purchase",
    "revenue_trailing": "Revenue, last 12 months",
    "revenue_prior": "Revenue, 12 months before",
    "spend_change": "Change in spend",
    "movement": "Movement",
    "revenue_before": "Revenue, previous period",
    "revenue_after": "Revenue, this period",
    "change": "Change",
    "movement.won_new": "won (new customer)",
    "movement.won_existing": "won (existing customer)",
    "movement.grown": "grown",
    "movement.shrunk": "shrunk",
    "movement.downgraded": "fell out of the key tier",
    "movement.lost": "lost (stopped buying)",
    "status.lost": "lost",
    "status.fading": "fading",
    "caption.scorecard": (
        "Win / grow / keep scorecard of the key accounts per period (company "
        "tier standard: key = revenue in the period of at least the company's "
        "smallest top-{key} account)"
    ),
    "caption.won": "Key accounts won in {period}",
    "caption.grown": "Key accounts kept in {period}, largest revenue change first",
    "caption.lost": "Key accounts that left in {period}",
    "caption.lost_list": (
        "{n} key and major accounts lost (no purchase for more than {w} "
        "days) or fading (last-12-month spend down more than {fall} on the "
        "12 months before), largest lifetime revenue first"
    ),
    "note.no_lost": "No key or major account is lost or fading.",
    "note.no_moves": "No key account entered or left in {period}.",
    "note.region_standard": (
        "The company's data were not available, so tiers here are set on "
        "this region's own customers."
    ),
}
_GROUPS = {
    "win": ("entered", "won_new", "won_existing", "new_customer_revenue", "new_customer_share",
            "median_days_to_key"),
    "grow": ("kept_growth", "upgrades", "downgrades"),
    "keep": ("open_key", "left", "lost", "downgraded", "leak_rate", "revenue_lost", "key_grr",
             "key_nrr", "close_key"),
}  # fmt: skip
_PCT = {"new_customer_share", "kept_growth", "leak_rate", "key_grr", "key_nrr", "share",
        "spend_change"}  # fmt: skip
_MONEY = {"new_customer_revenue", "revenue_lost", "revenue", "revenue_trailing", "revenue_prior",
          "revenue_before", "revenue_after", "change"}  # fmt: skip


def _cell(col: str, v, currency: str = "") -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return "–"
    if col in _PCT:
        return f"{v:+.1%}" if col in ("kept_growth", "spend_change") else format_pct(v, 1)
    if col in _MONEY:
        return format_money(v, currency)
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    if col == "failure":
        return keyaccounts.readings.TEXT[f"failure.{v}"]
    if col == "movement":
        return LABELS[f"movement.{v}"]
    if col == "status":
        return LABELS[f"status.{v}"]
    if isinstance(v, float):
        return f"{v:,.0f}"
    return str(v)


def _display(obj):
    from IPython.display import display

    display(obj)


def _table(table: pd.DataFrame, caption: str):
    """Strings already formatted, as deterministic HTML (as ``sections.show_table``, which
    this module cannot import: sections imports this mixin)."""
    from IPython.display import HTML

    body = table.to_html(index=False, border=0, classes="kam-table", escape=True)
    return HTML(f"<p><i>{html.escape(caption)}</i></p>" + body)


def _note(text: str):
    from IPython.display import Markdown

    return Markdown(f"> **Note:** {html.escape(text, quote=False)}")


def labelled(table: pd.DataFrame, columns, *, currency: str = "") -> pd.DataFrame:
    """``table[columns]`` as display strings under their client labels."""
    return pd.DataFrame({LABELS.get(c, c): [_cell(c, v, currency) for v in table[c].tolist()]
                         for c in columns})  # fmt: skip


class StorySections:
    """Mixin: the key-account story of :class:`~kamresearch.reports.RegionReport`."""

    # ------------------------------------------------------------------ analyses (lazy)
    @cached_property
    def company_tx(self) -> pd.DataFrame | None:
        """The whole company's transactions (the region's own when unavailable)."""
        if self.region == ALL_REGIONS:
            return self.tx
        data = self.data
        if getattr(data, "company", None) is not None:
            return data.company
        source = getattr(data, "source", None)
        if source is not None:
            return pd.read_parquet(source, columns=["customer_id", "date", "amount", "region"])
        log.warning("no company data for region %s: tiers set on the region", self.region)
        self.notes.append(f"Tiers: {LABELS['note.region_standard']}")
        return self.tx

    @cached_property
    def standard(self) -> keyaccounts.TierStandard:
        """The company's tier thresholds (whole window, report periods and years)."""
        freqs = sorted({self.bridge_freq, "Y"})
        return keyaccounts.tier_standard(self.company_tx, as_of=self.as_of, key=self.key_share,
                                         major=self.major_share, freqs=freqs)  # fmt: skip

    @cached_property
    def period_as_of(self) -> pd.Timestamp:
        """``as_of`` for period tables: its period's end when the data are complete to it."""
        return keyaccounts.period_as_of(self.company_tx, freq=self.bridge_freq, as_of=self.as_of)

    def company_tiers(self, revenue: pd.Series) -> pd.Series:
        """Tiers of whole-window revenues against the company standard."""
        w = self.standard.window
        return keyaccounts.apply_tiers(revenue, key_min=float(w["key_min_revenue"]),
                                       major_min=float(w["major_min_revenue"]))  # fmt: skip

    @cached_property
    def scorecard_table(self) -> pd.DataFrame:
        return keyaccounts.win_grow_keep(self.tx, freq=self.bridge_freq, as_of=self.period_as_of,
                                         standard=self.standard)  # fmt: skip

    @cached_property
    def scorecard_moves(self) -> pd.DataFrame:
        return keyaccounts.scorecard_accounts(self.tx, freq=self.bridge_freq,
                                              as_of=self.period_as_of, standard=self.standard)  # fmt: skip

    @cached_property
    def lost(self) -> pd.DataFrame:
        return keyaccounts.lost_accounts(self.tx, as_of=self.as_of, standard=self.standard,
                                         inactivity_days=self.lifetimes.attrs["inactivity_days"])  # fmt: skip

    @cached_property
    def key_counts(self) -> pd.Series:
        """Key accounts per calendar year (company standard)."""
        pt = keyaccounts.period_tiers(self.tx, freq="Y", as_of=self.as_of, standard=self.standard)
        counts = pt[pt["tier"] == "key"].groupby("period").size()
        return counts.reindex(sorted(pt["period"].unique()), fill_value=0)

    def _story_readings(self) -> list[pd.DataFrame]:
        parts = []
        for build in (
            lambda: keyaccounts.lost_readings(self.lost, currency=self.currency),
            lambda: keyaccounts.scorecard_readings(self.scorecard_table, currency=self.currency),
            lambda: keyaccounts.key_count_readings(self.key_counts),
        ):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parts.append(build())
            except KamError as exc:
                log.info("story reading skipped: %s", exc)
        return parts

    def _last_full_period(self):
        card = self.scorecard_table
        full = card[~card["partial"]]
        return (full if len(full) else card).index[-1]

    # ------------------------------------------------------------------ sections
    def scorecard(self):
        """Win / grow / keep: the verdict, the scorecard and the named accounts behind it."""
        from IPython.display import Markdown

        with self.section("Win, grow, keep"):
            card = self.scorecard_table
            if card.empty:
                raise DataError("fewer than two periods")
            r = keyaccounts.scorecard_readings(card, currency=self.currency).set_index("figure")
            _display(Markdown("\n".join(f"- **{html.escape(str(x), quote=False)}**"
                                        for x in r["reading"])))  # fmt: skip
            shown = card.tail(4)
            rows = []
            for group, cols in _GROUPS.items():
                for c in cols:
                    rows.append({"": f"{LABELS['group.' + group]}: {LABELS[c].strip()}"
                                 if not LABELS[c].startswith("  ") else LABELS[c],
                                 **{str(p): _cell(c, shown.at[p, c], self.currency)
                                    for p in shown.index}})  # fmt: skip
            rows.append(
                {
                    "": LABELS["failure"],
                    **{str(p): _cell("failure", shown.at[p, "failure"]) for p in shown.index},
                }
            )
            table = pd.DataFrame(rows)
            table.columns = [c + (" (partial)" if c and bool(shown.at[pd.Period(c), "partial"])
                                  else "") for c in table.columns]  # fmt: skip
            _display(_table(table, caption=LABELS["caption.scorecard"].format(
                key=format_pct(self.key_share))))  # fmt: skip
            period = self._last_full_period()
            moves = self.scorecard_moves
            moves = moves[moves["period"] == period]
            if moves.empty:
                _display(_note(LABELS["note.no_moves"].format(period=period)))
                return
            cols = ["customer_id", "region", "movement", "revenue_before", "revenue_after",
                    "change"]  # fmt: skip
            for kinds, cap, order in (
                (("won_new", "won_existing"), "caption.won", "revenue_after"),
                (("grown", "shrunk"), "caption.grown", "change"),
                (("lost", "downgraded"), "caption.lost", "revenue_before"),
            ):
                part = moves[moves["movement"].isin(kinds)]
                if order == "change":
                    part = part.reindex(part["change"].abs().sort_values(ascending=False).index)
                else:
                    part = part.sort_values(order, ascending=False)
                if len(part):
                    _display(_table(labelled(part, cols, currency=self.currency),
                                        caption=LABELS[cap].format(period=period)))  # fmt: skip

    def lost_key_accounts(self, *, top: int = 30):
        """Lost and fading key and major accounts, named, largest first."""
        with self.section("Lost key accounts"):
            lost = self.lost
            if lost.empty:
                _display(_note(LABELS["note.no_lost"]))
                return
            cols = ["customer_id", "region", "tier", "status", "revenue", "share",
                    "last_purchase", "days_since_last", "revenue_trailing", "revenue_prior",
                    "spend_change"]  # fmt: skip
            a = lost.attrs
            _display(_table(labelled(lost.head(top), cols, currency=self.currency),
                                caption=LABELS["caption.lost_list"].format(
                                    n=len(lost), w=a["inactivity_days"],
                                    fall=format_pct(a["fall_threshold"]))))  # fmt: skip
