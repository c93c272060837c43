"""Report sections of :mod:`kamresearch.evidence`: a mixin of :class:`RegionReport`.

``RegionReport`` inherits :class:`EvidenceSections`, so its notebook cells call
``rep.key_account_evidence()``, ``rep.concentration_trend_test()``,
``rep.at_risk_list()`` and ``rep.model_validation()``. The mixin uses the report's
``section`` context (too little data becomes a sentence, not a number) and its
``tx``, ``as_of``, ``key_share``, ``major_share`` and ``lifetimes``.
"""

from __future__ import annotations

import html
import math
from functools import cached_property

import numpy as np
import pandas as pd

from .. import evidence
from ..engine import date_bounds
from ..evidence import text
from ..i18n import _
from ..plotting import format_money

__all__ = ["EvidenceSections", "TREND_FREQ_MIN_QUARTERS"]

#: The trend test runs on quarters when the data hold at least this many full
#: quarters (12, the test's minimum), else on months.
TREND_FREQ_MIN_QUARTERS = evidence.MIN_PERIODS


def _period_text(p) -> str:
    """A period (or its text, ``2022-02``) in the report's language."""
    from ..i18n import format_period

    if isinstance(p, str):
        try:
            p = pd.Period(p)
        except ValueError:
            return p
    return format_period(p)


def _note(msg: str):
    from IPython.display import Markdown

    return Markdown(f"> **{html.escape(_('Note'))}:** {html.escape(msg, quote=False)}")


def _html_table(df: pd.DataFrame, caption: str | None = None):
    from IPython.display import HTML

    body = df.to_html(index=False, border=0, classes="kam-table", escape=True)
    cap = f"<p><i>{html.escape(caption)}</i></p>" if caption else ""
    return HTML(cap + body)


def _num(x, digits=2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def _p(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


class EvidenceSections:
    """The evidence sections of a region report (mixed into :class:`RegionReport`).

    Output goes through ``self._show`` (the report's display, which tests capture).
    """

    def _show(self, obj):  # replaced by RegionReport's; here for a stand-alone mixin
        from IPython.display import display

        display(obj)

    def _show_figure_(self, fig):
        import matplotlib.pyplot as plt

        fig.tight_layout()
        self._show(fig)
        plt.close(fig)

    # ------------------------------------------------------------------ analyses (lazy)
    @cached_property
    def key_tests(self) -> pd.DataFrame:
        return evidence.key_account_tests(self.tx, tiers=(self.key_share, self.major_share),
                                          as_of=self.as_of)  # fmt: skip

    @cached_property
    def trend_test(self) -> pd.DataFrame:
        first = date_bounds(self.tx)[0]
        span_days = (self.as_of - first).days if first is not None else 0
        freq = "Q" if span_days >= 91.3 * (TREND_FREQ_MIN_QUARTERS + 1) else "M"
        return evidence.concentration_trend_test(self.tx, freq=freq, as_of=self.as_of)

    @cached_property
    def churn_model(self):
        return evidence.fit_churn_risk(self.tx, as_of=self.as_of,
                                       inactivity_days=self.lifetimes.attrs["inactivity_days"],
                                       tiers=(self.key_share, self.major_share))  # fmt: skip

    @cached_property
    def churn_risk_list(self) -> pd.DataFrame:
        return evidence.churn_risk(self.churn_model, self.tx)

    # ------------------------------------------------------------------ sections
    def key_account_evidence(self):
        """Does the data support the key-account claims? The three tests with CIs, read."""
        from IPython.display import Markdown

        with self.section(_("Key-account claims")):
            t = self.key_tests
            if t["estimate"].notna().any():
                ax = evidence.plot_key_account_tests(t)
                self._show_figure_(ax.figure)
            table = pd.DataFrame({
                text.label("mark"): [text.mark_label(m) for m in t["mark"]],
                text.label("contrast"): [text.contrast_label(c) for c in t["contrast"]],
                text.label("estimate"): [text.pct(v, sign=True) for v in t["estimate"]],
                _("95% CI"): [text.ci(lo, hi) for lo, hi in zip(t["ci_low"], t["ci_high"],
                                                                   strict=True)],
                text.label("p_value"): [_p(v) for v in t["p_value"]],
                text.label("n_customers"): [f"{int(v):,}" for v in t["n_customers"]],
            })  # fmt: skip
            self._show(_html_table(table, caption=_(
                "Differences against general accounts with 95% confidence intervals")))  # fmt: skip
            lines = [f"- {html.escape(r, quote=False)}" for r in t["reading"]]
            lines.append(
                "\n"
                + _(
                    "Tiers are ranked by revenue, so larger orders and more frequent buying are "
                    "partly what makes an account key; the price premium compares what different "
                    "tiers pay for the same product and is the cleanest of the three tests."
                )
            )
            self._show(Markdown("\n".join(lines)))

    def concentration_trend_test(self):
        """The trend test of the top-10 share, beside the concentration trend."""
        from IPython.display import Markdown

        with self.section(_("Concentration trend test")):
            r = self.trend_test.iloc[0]
            self._show(Markdown(
                f"{html.escape(r['reading'], quote=False)} "
                + _("Tested over {n} full periods ({first} to {last}) with standard "
                         "errors robust to autocorrelation (Newey–West).").format(
                    n=int(r["n_periods"]), first=_period_text(r["first_period"]),
                    last=_period_text(r["last_period"]))
            ))  # fmt: skip

    def at_risk_list(self, *, top: int = 20):
        """Live accounts ranked by revenue at risk (churn-risk model), with today's rhythm rule."""
        from IPython.display import Markdown

        with self.section(_("At-risk accounts")):
            risk = self.churn_risk_list
            m = self.churn_model
            watched = risk[risk["tier"].isin(["key", "major"])]
            if watched.empty:
                self._show(_note(_("No live key or major account in this report.")))
                return
            shown = watched.head(top)
            cur = getattr(self, "currency", "")
            table = pd.DataFrame({
                text.label("customer_id"): shown["customer_id"].astype(str),
                text.label("region"): shown["region"].astype(str),
                text.label("tier"): [text.tier_label(v) for v in shown["tier"]],
                text.label("churn_probability"): [text.pct(v) for v in shown["churn_probability"]],
                text.label("revenue_12m"): [format_money(v, cur) for v in shown["revenue_12m"]],
                text.label("revenue_at_risk"): [format_money(v, cur)
                                                for v in shown["revenue_at_risk"]],
                text.label("expected_revenue_12m"): [format_money(v, cur)
                                                     for v in shown["expected_revenue_12m"]],
                text.label("days_since_last"): [f"{int(v):,}" for v in shown["days_since_last"]],
                text.label("late_against_rhythm"): [text.yes_no(v)
                                                    for v in shown["late_against_rhythm"]],
                text.label("risk_drivers"): shown["risk_drivers"],
            })  # fmt: skip
            total = float(watched["revenue_at_risk"].sum())
            v = m.validation_.set_index("metric")["value"] if len(m.validation_) else {}
            self._show(Markdown(text.at_risk_reading(
                n=len(watched), horizon=m.horizon, freq=m.freq, total=format_money(total, cur),
                n_late=int(watched["late_against_rhythm"].sum()), auc=m.auc_,
                predicted=v.get("horizon_predicted", float("nan")),
                observed=v.get("horizon_observed", float("nan")))))  # fmt: skip
            self._show(_html_table(table, caption=_(
                "Key and major accounts, largest revenue at risk first")))  # fmt: skip

    def model_validation(self):
        """Appendix: out-of-time AUC, Brier score and calibration of the churn-risk model."""
        from IPython.display import Markdown

        with self.section(_("Churn-risk model validation")):
            m = self.churn_model
            if m.validation_error_:
                self._show(_note(m.validation_error_))
                return
            v = m.validation_.set_index("metric")["value"]
            self._show(Markdown(text.validation_reading(
                auc=m.auc_, brier=m.brier_, best=str(v["best_single_covariate"]),
                best_auc=float(v["best_single_auc"]), rows=int(v["validation_rows"]),
                events=int(v["validation_events"]), horizon=m.horizon)))  # fmt: skip
            ax = evidence.plot_calibration(m.calibration_)
            self._show_figure_(ax.figure)
            s = m.summary.drop(index="const")
            coef = pd.DataFrame({
                _("Covariate"): [text.label(c) for c in s.index],
                _("Odds ratio"): [_num(v) for v in s["odds_ratio"]],
                _("95% CI"): [f"{_num(np.exp(lo))} – {_num(np.exp(hi))}"
                                   for lo, hi in zip(s["ci_low"], s["ci_high"], strict=True)],
                text.label("p_value"): [_p(v) for v in s["p"]],
            })  # fmt: skip
            self._show(
                _html_table(
                    coef,
                    caption=_(
                        "What moves the monthly churn risk (odds ratio above 1: riskier), fitted on "
                        "{n} account-periods with {e} churns"
                    ).format(n=f"{m.n_obs_:,}", e=f"{m.n_events_:,}"),
                )
            )
