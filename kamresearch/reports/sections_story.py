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

import numpy as np
import pandas as pd

from .. import keyaccounts
from ..engine import n_lines as count_lines
from ..errors import DataError, KamError
from ..i18n import N_, _, format_date, format_period, label
from ..plotting import format_money, format_pct
from ..schema import COMPANY

__all__ = ["StorySections", "LABELS"]

log = logging.getLogger("kamresearch")

#: Client-facing labels of the story's tables (identifiers never reach the client).
LABELS = {
    "open_key": N_("Opening key accounts"),
    "entered": N_("Entered the key pool"),
    "won_new": N_("of which new customers"),
    "won_existing": N_("of which existing customers"),
    "new_customer_revenue": N_("Revenue from new customers"),
    "new_customer_share": N_("share of revenue"),
    "median_days_to_key": N_("Days from first purchase to key tier (median)"),
    "kept_growth": N_("Growth of the key accounts kept"),
    "upgrades": N_("Customers moving up a tier"),
    "downgrades": N_("Customers moving down a tier"),
    "left": N_("Opening key accounts that left"),
    "lost": N_("of which stopped buying"),
    "downgraded": N_("of which fell to a lower tier"),
    "leak_rate": N_("Leak rate of the key pool"),
    "revenue_lost": N_("Revenue lost with them (previous period)"),
    "key_grr": N_("Key-account gross revenue retention"),
    "key_nrr": N_("Key-account net revenue retention"),
    "close_key": N_("Closing key accounts"),
    "failure": N_("Dominant failure"),
    "group.win": N_("Win"),
    "group.grow": N_("Grow"),
    "group.keep": N_("Keep"),
    "customer_id": N_("Account"),
    "region": N_("Region"),
    "tier": N_("Tier"),
    "status": N_("Status"),
    "revenue": N_("Lifetime revenue"),
    "share": N_("Share of revenue"),
    "first_purchase": N_("First purchase"),
    "last_purchase": N_("Last purchase"),
    "days_since_last": N_("Days since last purchase"),
    "revenue_trailing": N_("Revenue, last 12 months"),
    "revenue_prior": N_("Revenue, 12 months before"),
    "spend_change": N_("Change in spend"),
    "movement": N_("Movement"),
    "revenue_before": N_("Revenue, previous period"),
    "revenue_after": N_("Revenue, this period"),
    "change": N_("Change"),
    "movement.won_new": N_("won (new customer)"),
    "movement.won_existing": N_("won (existing customer)"),
    "movement.grown": N_("grown"),
    "movement.shrunk": N_("shrunk"),
    "movement.downgraded": N_("fell out of the key tier"),
    "movement.lost": N_("lost (stopped buying)"),
    "status.lost": N_("lost"),
    "status.fading": N_("fading"),
    "caption.scorecard": N_(
        "Win / grow / keep scorecard of the key accounts per period (company "
        "tier standard: key = revenue in the period of at least the company's "
        "smallest top-{key} account)"
    ),
    "caption.scorecard_fixed": N_(
        "Win / grow / keep scorecard of the key accounts per period (company "
        "tier standard from the configuration: key = revenue in the period of at least "
        "{key_min}, major from {major_min})"
    ),
    "caption.won": N_("Key accounts won in {period}"),
    "caption.grown": N_("Key accounts kept in {period}, largest revenue change first"),
    "caption.lost": N_("Key accounts that left in {period}"),
    "caption.lost_list": N_(
        "{n} key and major accounts lost (no purchase for more than {w} "
        "days) or fading (last-12-month spend down more than {fall} on the "
        "12 months before), largest lifetime revenue first"
    ),
    "note.no_lost": N_("No key or major account is lost or fading."),
    "note.no_moves": N_("No key account entered or left in {period}."),
    "falling_spend": N_("Falling spend"),
    "revenue_12m": N_("Revenue, last 12 months"),
    "change_12m": N_("Change on the 12 months before"),
    "month_revenue": N_("Revenue this month"),
    "mom_change": N_("Month on month"),
    "yoy_change": N_("Year on year"),
    "ytd_revenue": N_("Year to date"),
    "ytd_change": N_("Year to date, change"),
    "median_gap_days": N_("Days between purchases (median)"),
    "status.silent": N_("silent"),
    "status.new": N_("new"),
    "status.growing": N_("growing"),
    "status.declining": N_("declining"),
    "status.steady": N_("steady"),
    "caption.cards": N_(
        "Account cards: every key account, largest first — monthly revenue of the last 24 "
        "months (bars) against the same months a year before (line); month-on-month, "
        "year-on-year and year-to-date change in {month}"
    ),
    "caption.cards_top": N_(
        "Account cards: the {top} largest key accounts — monthly revenue of the last 24 "
        "months (bars) against the same months a year before (line); month-on-month, "
        "year-on-year and year-to-date change in {month}"
    ),
    "note.no_cards": N_("No key account to show."),
    "note.cards_charted": N_(
        "The {shown} largest of the {n} key accounts are charted; every account's card is "
        "in the Excel workbook (sheets “{sheet}” and “{monthly}”)."
    ),
    "note.rest": N_(
        "… and {n} more accounts ({column}: {revenue} together), listed in full on the "
        "sheet “{sheet}” of the Excel workbook."
    ),
    "yes": N_("yes"),
    "no": N_("no"),
    "caption.entry_survival": N_(
        "Lifetimes by entry tier (tier from revenue in each account's first 12 months; "
        "survival counted from 12 months after the first purchase, among the accounts still "
        "buying then: longevity cannot make an account key)"
    ),
    "note.tier_definition": N_(
        "The curves above use the tier from revenue over the whole window: accounts that stay "
        "longer buy more and become key because they stayed, so those curves overstate how "
        "much longer key accounts last. The entry tier below is the fair comparison."
    ),
    "customers": N_("Customers"),
    "repeat_customers": N_("Repeat customers"),
    "longest_gap_p90": N_("Longest gap, 90th percentile (days)"),
    "suggested_days": N_("Window fitting the rhythm (days)"),
    "window_days": N_("Window in use (days)"),
    "reactivations": N_("Reactivations"),
    "reactivations_per_customer": N_("Reactivations per customer"),
    "too_short": N_("Window too short"),
    "group.all": N_("all customers"),
    "caption.window": N_(
        "Does the inactivity window fit each tier's buying rhythm? A reactivation is a "
        "customer called lost that bought again"
    ),
    "band": N_("Order value"),
    "caption.bands": N_(
        "Order-value bands per period: share of orders / share of revenue (an order is an "
        "invoice; band edges scaled to the data's currency)"
    ),
    "reading.land_expand": N_(
        "Land and expand: the key accounts' median order a year after their first order is "
        "{ratio} their first order ({n} accounts with orders then)"
    ),
    "view.owner": N_("Account owner"),
    "view.channel": N_("Channel"),
    "view.industry": N_("Industry"),
    "view.revenue": N_("Revenue in the period"),
    "view.revenue_share": N_("Share of the period's revenue"),
    "view.key_accounts": N_("Number of key accounts"),
    "view.key_won": N_("Key accounts won"),
    "view.key_kept": N_("Key accounts kept"),
    "view.key_lost": N_("Key accounts lost"),
    "view.key_downgraded": N_("Key accounts fallen to a lower tier"),
    "view.key_nrr": N_("Key-account net revenue retention"),
    "view.customer_retention": N_("Customers retained"),
    "view.nrr": N_("Net revenue retention"),
    "view.no_value": N_("(not given)"),
    "caption.view": N_(
        "Win, grow, keep by {what} in {period} (each account counted under the {what} with "
        "most of its revenue; tiers as in the scorecard; retention against {previous})"
    ),
    "note.region_standard": N_(
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
#: Rows shown indented under the row above them in the scorecard.
_SUB = {"won_new", "won_existing", "new_customer_share", "lost", "downgraded"}
_PCT = {"new_customer_share", "kept_growth", "leak_rate", "key_grr", "key_nrr", "share",
        "spend_change", "change_12m", "mom_change", "yoy_change", "ytd_change"}  # fmt: skip
_PLAIN = {"reactivations_per_customer"}
_SIGNED = {"kept_growth", "spend_change", "change_12m", "mom_change", "yoy_change", "ytd_change"}
_MONEY = {"new_customer_revenue", "revenue_lost", "revenue", "revenue_trailing", "revenue_prior",
          "revenue_before", "revenue_after", "change", "revenue_12m", "month_revenue",
          "ytd_revenue"}  # fmt: skip


def _l(name: str, /, **kw) -> str:
    """The label ``LABELS[key]`` in the report's language (formatted with ``kw``)."""
    text = _(LABELS[name])
    return text.format(**kw) if kw else text


def _cell(col: str, v, currency: str = "") -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return "–"
    if col in _PLAIN:
        return f"{v:.2f}"
    if col in _PCT:
        return f"{v:+.1%}" if col in _SIGNED else format_pct(v, 1)
    if col in _MONEY:
        return format_money(v, currency)
    if isinstance(v, bool | np.bool_):
        return _l("yes") if v else _l("no")
    if isinstance(v, pd.Timestamp):
        return format_date(v)
    if col == "failure":
        return _(keyaccounts.readings.TEXT[f"failure.{v}"])
    if col == "movement":
        return _l(f"movement.{v}")
    if col == "tier":
        return _(keyaccounts.readings.TEXT[f"account.{v}"])
    if col == "status":
        return _l(f"status.{v}")
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

    note = _("Note:")  # not inside the f-string: the extractor must see the msgid
    return Markdown(f"> **{note}** {html.escape(text, quote=False)}")


def _show(fig):
    import matplotlib.pyplot as plt

    fig.tight_layout()
    _display(fig)
    plt.close(fig)


def _fmt_simple(col: str, v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if col.startswith("survival"):
        return format_pct(v, 1)
    return f"{v:,.0f}"


def labelled(table: pd.DataFrame, columns, *, currency: str = "") -> pd.DataFrame:
    """``table[columns]`` as display strings under their client labels."""
    return pd.DataFrame({_l(c) if c in LABELS else c: [_cell(c, v, currency) for v in table[c].tolist()]
                         for c in columns})  # fmt: skip


class StorySections:
    """Mixin: the key-account story of :class:`~kamresearch.reports.RegionReport`."""

    # ------------------------------------------------------------------ analyses (lazy)
    @cached_property
    def company_tx(self) -> pd.DataFrame | None:
        """The whole company's transactions (the region's own when unavailable)."""
        if self.region is COMPANY:
            return self.tx
        data = self.data
        if getattr(data, "company", None) is not None:
            return data.company
        source = getattr(data, "source", None)
        if source is not None:
            return pd.read_parquet(source, columns=["customer_id", "date", "amount", "region"])
        log.warning("no company data for region %s: tiers set on the region", self.region)
        self.notes.append(N_("Tiers") + ": " + _l("note.region_standard"))
        return self.tx

    @cached_property
    def standard(self) -> keyaccounts.TierStandard:
        """The company's tier thresholds (whole window, report periods and years)."""
        if count_lines(self.company_tx) == 0 or count_lines(self.tx) == 0:
            raise DataError(_("no transaction up to {date}: no key accounts to rank").format(
                date=format_date(self.as_of)))  # fmt: skip
        if getattr(self, "thresholds", None) is not None:  # currency thresholds from the config
            return keyaccounts.TierStandard.from_thresholds(*self.thresholds)
        freqs = sorted({self.bridge_freq, "Y"})
        return keyaccounts.tier_standard(self.company_tx, as_of=self.as_of, key=self.key_share,
                                         major=self.major_share, freqs=freqs)  # fmt: skip

    @cached_property
    def period_as_of(self) -> pd.Timestamp:
        """``as_of`` for period tables: its period's end when the data are complete to it."""
        return keyaccounts.period_as_of(self.company_tx, freq=self.bridge_freq, as_of=self.as_of)

    @cached_property
    def last_full_as_of(self) -> pd.Timestamp:
        """The last day of the last complete period (``period_as_of`` when it is complete)."""
        from ..engine.facts import parse_freq

        pfreq = parse_freq(self.bridge_freq)[0]
        p = pd.Period(self.period_as_of, freq=pfreq)
        end = p.end_time.normalize()
        return end if self.period_as_of >= end else (p - 1).end_time.normalize()

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
    def cards(self) -> pd.DataFrame:
        return keyaccounts.account_cards(self.tx, as_of=self.as_of, standard=self.standard,
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
            lambda: keyaccounts.window_readings(keyaccounts.window_check(self.lifetimes)),
            lambda: keyaccounts.concentration_change_readings(
                keyaccounts.concentration_drivers(
                    self.tx, freq=self.bridge_freq, as_of=self.last_full_as_of
                )
            ),
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
    def scorecard(self, *, top: int = 20):
        """Win / grow / keep: the verdict, the scorecard and the named accounts behind it.

        Each list of named accounts shows its ``top`` largest; the rest are summarised
        in a line (all are in the Excel workbook)."""
        from IPython.display import Markdown

        with self.section(N_("Win, grow, keep")):
            card = self.scorecard_table
            if card.empty:
                raise DataError(_("fewer than two periods"))
            r = keyaccounts.scorecard_readings(card, currency=self.currency).set_index("figure")
            _display(Markdown("\n".join(f"- **{html.escape(str(x), quote=False)}**"
                                        for x in r["reading"])))  # fmt: skip
            shown = card.tail(4)
            rows = []
            for group, cols in _GROUPS.items():
                for c in cols:
                    rows.append({"": f"{_l('group.' + group)}: {_l(c).strip()}"
                                 if c not in _SUB else "  " + _l(c),
                                 **{str(p): _cell(c, shown.at[p, c], self.currency)
                                    for p in shown.index}})  # fmt: skip
            rows.append(
                {
                    "": _l("failure"),
                    **{str(p): _cell("failure", shown.at[p, "failure"]) for p in shown.index},
                }
            )
            table = pd.DataFrame(rows)
            by_name = {str(p): p for p in shown.index}
            table.columns = [
                "" if not c else (_("{period} (partial)") if bool(shown.at[by_name[c], "partial"])
                                  else "{period}").format(period=format_period(by_name[c]))
                for c in table.columns
            ]  # fmt: skip
            if getattr(self, "thresholds", None) is not None:
                caption = _l("caption.scorecard_fixed",
                             key_min=format_money(self.thresholds[0], self.currency),
                             major_min=format_money(self.thresholds[1], self.currency))  # fmt: skip
            else:
                caption = _l("caption.scorecard", key=format_pct(self.key_share))
            _display(_table(table, caption=caption))
            period = self._last_full_period()
            self._group_views(period)
            moves = self.scorecard_moves
            moves = moves[moves["period"] == period]
            if moves.empty:
                _display(_note(_l("note.no_moves", period=format_period(period))))
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
                    _display(_table(labelled(part.head(top), cols, currency=self.currency),
                                        caption=_l(cap, period=format_period(period))))  # fmt: skip
                    self._rest(part.iloc[top:], order, N_("Scorecard accounts"))

    def _group_views(self, period) -> None:
        """The scorecard per owner, channel and industry, when the data has such columns."""
        for by in keyaccounts.view_columns(self.tx):
            view = keyaccounts.group_view(self.tx, by, freq=self.scorecard_table.attrs["freq"],
                                          as_of=self.period_as_of, standard=self.standard)  # fmt: skip
            view = view[view["period"] == period].sort_values("revenue", ascending=False)
            if view.empty:
                continue
            shown = pd.DataFrame(
                {
                    _l(f"view.{by}"): [
                        _l("view.no_value") if g == keyaccounts.NO_VALUE else str(g)
                        for g in view[by]
                    ]
                }
            )
            shown[_l("customers")] = view["customers"].map("{:,}".format).to_numpy()
            for c in keyaccounts.GROUP_VIEW_COLUMNS[1:]:
                v = view[c].to_numpy()
                if c == "revenue":
                    text = [format_money(x, self.currency) for x in v]
                elif c in ("revenue_share", "key_nrr", "customer_retention", "nrr"):
                    text = ["–" if pd.isna(x) else format_pct(x, 1) for x in v]
                else:
                    text = [f"{int(x):,}" for x in v]
                shown[_l(f"view.{c}")] = text
            what = _l(f"view.{by}").lower()
            _display(_table(shown, caption=_l("caption.view", what=what,
                                              period=format_period(period),
                                              previous=format_period(period - 1))))  # fmt: skip

    def lost_key_accounts(self, *, top: int = 30):
        """Lost and fading key and major accounts, named, largest first."""
        with self.section(N_("Lost key accounts")):
            lost = self.lost
            if lost.empty:
                _display(_note(_l("note.no_lost")))
                return
            cols = ["customer_id", "region", "tier", "status", "revenue", "share",
                    "last_purchase", "days_since_last", "revenue_trailing", "revenue_prior",
                    "spend_change"]  # fmt: skip
            a = lost.attrs
            _display(_table(labelled(lost.head(top), cols, currency=self.currency),
                                caption=_l("caption.lost_list",
                                    n=len(lost), w=a["inactivity_days"],
                                    fall=format_pct(a["fall_threshold"]))))  # fmt: skip

    def account_cards(self, *, ncols: int = 4, charts: int = 40, top: int = 50):
        """One card per key account: monthly revenue chart and its latest figures.

        The ``charts`` largest accounts are charted and the ``top`` largest listed; the
        rest are summarised in a line (every card is in the Excel workbook).
        """
        import matplotlib.pyplot as plt

        with self.section(N_("Account cards")):
            cards = self.cards
            if cards.empty:
                _display(_note(_l("note.no_cards")))
                return
            months = cards.attrs["months"]
            n = len(cards)
            shown = cards.head(charts)
            nrows = -(-len(shown) // ncols)
            fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.1 * nrows),
                                     squeeze=False)  # fmt: skip
            by_id = months[months["customer_id"].isin(shown["customer_id"])].groupby(
                "customer_id", sort=False
            )
            for ax, row in zip(axes.flat, shown.itertuples(), strict=False):
                one = by_id.get_group(row.customer_id)
                keyaccounts.plot_account_card(one, ax=ax, currency=self.currency,
                                              title=f"{row.customer_id} · {_l('status.' + row.status)}")  # fmt: skip
            for ax in list(axes.flat)[len(shown) :]:
                ax.axis("off")
            fig.tight_layout()
            _display(fig)
            plt.close(fig)
            if n > len(shown):
                _display(_note(_l("note.cards_charted", shown=len(shown), n=n,
                                  sheet=_("Account cards"), monthly=_("Account cards monthly"))))  # fmt: skip
            cols = ["customer_id", "region", "status", "falling_spend", "revenue_12m", "change_12m",
                    "month_revenue", "mom_change", "yoy_change", "ytd_revenue", "ytd_change",
                    "median_gap_days", "days_since_last"]  # fmt: skip
            month = cards["last_month"].iloc[0]
            caption = (_l("caption.cards", month=format_period(month)) if n <= top else
                       _l("caption.cards_top", top=top, month=format_period(month)))  # fmt: skip
            _display(_table(labelled(cards.head(top), cols, currency=self.currency),
                            caption=caption))  # fmt: skip
            self._rest(cards.iloc[top:], "revenue_12m", N_("Account cards"))

    def _rest(self, rest: pd.DataFrame, column: str, sheet: str) -> None:
        """The line under a top-N table: how many accounts are left out, and their total."""
        if rest.empty:
            return
        total = format_money(float(rest[column].sum()), self.currency)
        _display(_note(_l("note.rest", n=f"{len(rest):,}", column=_l(column), revenue=total,
                          sheet=_(sheet))))  # fmt: skip

    def survival_by_entry_tier(self):
        """Kaplan–Meier by entry tier from the 12-month landmark (the non-circular comparison)."""
        from .. import churn

        with self.section(N_("Survival by entry tier")):
            _display(_note(_l("note.tier_definition")))
            lt = churn.add_entry_tier(self.lifetimes, self.tx, key=self.key_share,
                                      major=self.major_share)  # fmt: skip
            curves = churn.survival_curves(lt, by="entry_tier")
            ok = curves.summary[curves.summary["status"] == "ok"]
            if ok.empty:
                raise DataError(_("fewer than 20 accounts alive 12 months after their first "
                                  "purchase, or 5 churn events, in every entry tier"))  # fmt: skip
            ax = churn.plot_survival(curves)
            _show(ax.figure)
            cols = ["n_observable", "events", "median_lifetime_days", "survival_1y",
                    "survival_2y"]  # fmt: skip
            table = curves.summary[cols].copy()
            shown = pd.DataFrame({_l("tier"): [_(keyaccounts.readings.TEXT[f"account.{t}"])
                                              for t in table.index]})  # fmt: skip
            for c in cols:
                shown[label(c)] = [_fmt_simple(c, v) for v in table[c].tolist()]
            _display(_table(shown, caption=_l("caption.entry_survival")))

    def inactivity_window_check(self):
        """The window against each tier's rhythm and the reactivations it creates."""
        from IPython.display import Markdown

        with self.section(N_("Inactivity window")):
            check = keyaccounts.window_check(self.lifetimes)
            r = keyaccounts.window_readings(check)
            _display(Markdown(f"**{html.escape(str(r['reading'].iloc[0]), quote=False)}**"))
            cols = ["customers", "repeat_customers", "median_gap_days", "longest_gap_p90",
                    "suggested_days", "window_days", "reactivations",
                    "reactivations_per_customer", "too_short"]  # fmt: skip
            names = [_(keyaccounts.readings.TEXT[f"account.{g}"]) if g != "all"
                     else _l("group.all") for g in check.index]  # fmt: skip
            table = labelled(check.reset_index(drop=True), cols)
            table.insert(0, _l("tier"), names)
            _display(_table(table, caption=_l("caption.window")))

    def order_sizes(self):
        """Order-value bands per period, and the key accounts' land-and-expand."""
        from IPython.display import Markdown

        with self.section(N_("Order size")):
            bands = keyaccounts.order_bands(
                self.tx,
                freq=self.bridge_freq,
                as_of=self.as_of,
                edges=getattr(self, "order_band_edges", None),
            )
            if bands.empty:
                raise DataError(_("no order with a purchase"))
            cells = bands.assign(v=[f"{format_pct(a, 1)} / {format_pct(b, 1)}" for a, b in
                                    zip(bands["order_share"], bands["revenue_share"],
                                        strict=True)])  # fmt: skip
            table = cells.pivot(index="band", columns="period", values="v").fillna("–")
            table.columns = [str(c) for c in table.columns]
            table = table.reset_index().rename(columns={"band": _l("band")})
            table[_l("band")] = table[_l("band")].astype(str)
            _display(_table(table, caption=_l("caption.bands")))
            le = keyaccounts.land_and_expand(self.tx, as_of=self.as_of, standard=self.standard)
            le = le.dropna(subset=["ratio"])
            if len(le):
                ratio = f"{float(le['ratio'].median()):.2f}×"
                _display(Markdown(html.escape(_l("reading.land_expand", ratio=ratio, n=len(le)),
                                              quote=False)))  # fmt: skip
