"""Every sentence and label of :mod:`kamresearch.evidence` and its report sections.

The readings are built here from the numbers, so that a reading is a function of
its figures (tested on data where its story is planted). Every string a client
sees goes through :mod:`kamresearch.i18n` (msgids in English, Chinese in
``i18n/locale/zh/LC_MESSAGES/evidence.po``, GLOSSARY terms); column labels are
registered with :func:`kamresearch.i18n.register_labels`.
"""

from __future__ import annotations

import math

from ..i18n import N_, _, format_pct, register_labels
from ..i18n import label as _label

__all__ = [
    "LABELS",
    "label",
    "mark_label",
    "contrast_label",
    "tier_label",
    "yes_no",
    "pct",
    "ci",
    "p_phrase",
    "mark_reading",
    "missing_reading",
    "trend_reading",
    "at_risk_reading",
    "validation_reading",
]

#: identifier -> (label, definition): the evidence tables' columns and the model's covariates.
LABELS = {
    "mark": (N_("Mark of a key account"), N_("Price premium, order size or repurchase")),
    "contrast": (N_("Comparison"), ""),
    "estimate": (N_("Estimate"), N_("Difference against general accounts, in percent")),
    "ci_low": (N_("95% CI low"), ""),
    "ci_high": (N_("95% CI high"), ""),
    "p_value": (N_("p-value"), N_("Chance of a difference this large if there were none")),
    "n_obs": (N_("Observations"), ""),
    "method": (N_("Method"), ""),
    "slope_per_year": (N_("Change per year"), ""),
    "n_periods": (N_("Periods"), ""),
    "churn_probability": (N_("Churn probability"),
                          N_("Probability that the account churns within the horizon")),
    "revenue_at_risk": (N_("Revenue at risk"),
                        N_("Churn probability times the revenue of the last 12 months")),
    "expected_revenue_12m": (N_("Expected revenue, next 12 months"),
                             N_("Revenue of the next 12 months weighted by the chance the "
                                "account is still buying")),
    "risk_drivers": (N_("What raises the risk most"), ""),
    "late_against_rhythm": (N_("Late against its rhythm"),
                            N_("Silent for longer than twice its usual gap between orders")),
    "predicted": (N_("Predicted churn rate"), ""),
    "observed": (N_("Observed churn rate"), ""),
    # covariates of the churn-risk model
    "const": (N_("Baseline"), ""),
    "tier_key": (N_("Key account"), ""),
    "tier_major": (N_("Major account"), ""),
    "months_since_last": (N_("Months since last purchase"), ""),
    "lateness": (N_("Silence against own rhythm"),
                 N_("Days since the last purchase divided by the account's usual gap")),
    "purchase_frequency": (N_("Share of recent months with a purchase"), ""),
    "revenue_trend": (N_("Recent revenue against earlier"),
                      N_("-1: recent revenue collapsed, +1: all revenue is recent")),
    "tenure_years": (N_("Years as a customer"), ""),
}  # fmt: skip
register_labels(LABELS)  # revenue_12m, days_since_last, customer_id ...: the shared labels

_MARKS = {
    "price_premium": N_("Price premium (same product)"),
    "order_size": N_("Order size"),
    "repurchase": N_("Repurchase (orders per month)"),
}
_CONTRASTS = {
    "key_vs_general": N_("key vs general accounts"),
    "major_vs_general": N_("major vs general accounts"),
}
_TIERS = {"key": N_("key account"), "major": N_("major account"), "general": N_("general account")}


def label(name: str) -> str:
    """The display label of a column or covariate (``region_East`` -> ``Region: East``)."""
    if isinstance(name, str) and name.startswith("region_"):
        return _("Region: {region}").format(region=name[len("region_") :])
    return _label(name)


def mark_label(mark: str) -> str:
    return _(_MARKS[mark])


def contrast_label(contrast: str) -> str:
    return _(_CONTRASTS[contrast])


def tier_label(tier: str) -> str:
    return _(_TIERS[tier]) if tier in _TIERS else str(tier)


def yes_no(flag) -> str:
    return _("yes") if bool(flag) else _("no")


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float, digits: int = 1, *, sign: bool = False) -> str:
    """``0.123`` -> ``"12.3%"`` (``"+12.3%"`` with ``sign``); NaN -> en dash."""
    if _nan(x):
        return "–"
    s = format_pct(x, digits)
    return ("+" + s) if sign and x > 0 else s


def ci(lo: float, hi: float) -> str:
    """``"10.5% to 13.2%"`` (en dash for a missing CI)."""
    if _nan(lo) or _nan(hi):
        return "–"
    return _("{low} to {high}").format(low=pct(lo), high=pct(hi))


def p_phrase(p: float) -> str:
    """The p-value in plain words."""
    if p < 0.001:
        return _("very unlikely to be chance (p < 0.001)")
    if p < 0.05:
        return _("unlikely to be chance (p = {p})").format(p=f"{p:.3f}")
    return _("could well be chance (p = {p})").format(p=f"{p:.2f}")


def _who(contrast: str) -> str:
    return _("Key accounts") if contrast.startswith("key") else _("Major accounts")


def mark_reading(mark: str, contrast: str, est: float, lo: float, hi: float, p: float) -> str:
    """One sentence on an estimated mark with its uncertainty, and what it can and cannot say."""
    who = _who(contrast)
    interval = _("95% CI {ci}").format(ci=ci(lo, hi))
    if est >= 1 and lo > 0:  # "10.8 times (95% CI 8.2 to 14.2 times)", not "+718% to +1318%"
        interval = _("95% CI {low} to {high} times").format(low=f"{1 + lo:,.1f}",
                                                            high=f"{1 + hi:,.1f}")  # fmt: skip
    if lo > 0 or hi < 0:
        up = est > 0
        size, times = pct(abs(est)), f"{1 + est:,.1f}"
        if mark == "price_premium":
            body = (
                _("{who} pay {size} more than general accounts for the same product")
                if up
                else _("{who} pay {size} less than general accounts for the same product")
            )
        elif mark == "order_size":
            body = (
                _("{who}' orders are {times} times as large as general accounts'")
                if est >= 1
                else _("{who}' orders are {size} larger than general accounts'")
                if up
                else _("{who}' orders are {size} smaller than general accounts'")
            )
        else:
            body = (
                _("{who} order {times} times as often as general accounts")
                if est >= 1
                else _("{who} order {size} more often than general accounts")
                if up
                else _("{who} order {size} less often than general accounts")
            )
        text = _("{finding} ({interval}); {chance}.").format(
            finding=body.format(who=who, size=size, times=times), interval=interval,
            chance=p_phrase(p))  # fmt: skip
    else:
        text = _("The data cannot tell whether {who} differ from general accounts here: "
                 "{estimate}, {interval}, which includes no difference.").format(
            who=who.lower() if who.isascii() else who, estimate=pct(est, sign=True),
            interval=interval)  # fmt: skip
    if mark == "price_premium":
        return text + " " + _("The same products are compared, so this is the cleanest of "
                              "the three marks.")  # fmt: skip
    return (
        text
        + " "
        + _(
            "Tiers are ranked by revenue, so part of this difference is "
            "mechanical: bigger and more frequent buyers become key accounts."
        )
    )


def missing_reading(mark: str, contrast: str, reason: str) -> str:
    """The sentence in place of an estimate that cannot be made."""
    return _("Not estimated for {contrast}: {reason}.").format(
        contrast=contrast_label(contrast), reason=reason)  # fmt: skip


def too_few_reason(n: int, tier: str, minimum: int) -> str:
    return _("only {n} {tier}s with data, too few for a test (at least {min} needed)").format(
        n=n, tier=tier_label(tier), min=minimum)  # fmt: skip


def no_prices_reason(have_columns: bool) -> str:
    if not have_columns:
        return _("the data have no product_id, quantity and unit_price columns")
    return _("no line has a positive quantity and unit price")


_METRICS = {
    "top10_share": N_("The top-10 customers' share"),
    "top5_share": N_("The top-5 customers' share"),
    "top1_share": N_("The largest customer's share"),
    "top20pct_share": N_("The top 20%'s share"),
    "top1pct_share": N_("The top 1%'s share"),
    "hhi": N_("The HHI"),
    "gini": N_("The Gini coefficient"),
}


def trend_reading(metric: str, slope: float, lo: float, hi: float, p: float) -> str:
    """One sentence on a concentration trend with its uncertainty."""
    points = metric.endswith("_share")

    def fmt(v):
        return f"{100 * v:.1f}" if points else f"{v:,.3g}"

    name = _(_METRICS[metric]) if metric in _METRICS else metric
    interval = _("95% CI {low} to {high}").format(low=fmt(lo), high=fmt(hi))
    if lo > 0 or hi < 0:
        if points:
            msg = (
                _("{name} is rising by {x} points a year ({interval}); {chance}.")
                if slope > 0
                else _("{name} is falling by {x} points a year ({interval}); {chance}.")
            )
        else:
            msg = (
                _("{name} is rising by {x} a year ({interval}); {chance}.")
                if slope > 0
                else _("{name} is falling by {x} a year ({interval}); {chance}.")
            )
        return msg.format(name=name, x=fmt(abs(slope)), interval=interval, chance=p_phrase(p))
    if points:
        msg = _(
            "No clear trend: {name} changes by {x} points a year, {interval}, which "
            "includes no change."
        )
    else:
        msg = _(
            "No clear trend: {name} changes by {x} a year, {interval}, which includes no change."
        )
    return msg.format(name=name.lower() if name.isascii() else name, x=fmt(slope),
                      interval=interval)  # fmt: skip


def at_risk_reading(*, n: int, horizon: int, freq: str, total: str, n_late: int,
                    auc: float, predicted: float = float("nan"),
                    observed: float = float("nan")) -> str:  # fmt: skip
    """The sentence above the at-risk list."""
    months = horizon * (3 if freq == "Q" else 1)
    text = _("{n} live key and major accounts put {total} of the last 12 months' revenue at "
             "risk over the next {months} months (churn probability times revenue); "
             "{late} of them are already late against their own buying rhythm.").format(
        n=f"{n:,}", total=total, months=months, late=f"{n_late:,}")  # fmt: skip
    if not _nan(auc):
        text += " " + _("The probabilities come from a model that ranked accounts correctly "
                        "{auc} of the time on the last months it had not seen (AUC).").format(
            auc=pct(auc, 0))  # fmt: skip
    if not (_nan(predicted) or _nan(observed)):
        text += " " + _("Checked on the past: made {months} months ago, these probabilities "
                        "expected {pred} churns among the accounts live then, and {obs} "
                        "happened; read them as a ranking more than as exact odds.").format(
            months=months, pred=f"{predicted:,.0f}", obs=f"{int(observed):,}")  # fmt: skip
    return text


def validation_reading(*, auc: float, brier: float, best: str, best_auc: float, rows: int,
                       events: int, horizon: int) -> str:  # fmt: skip
    """The appendix's reading of the out-of-time validation."""
    text = _("Fitted on the periods up to {h} periods before the analysis date and tested on "
             "the last {h} ({rows} live account-periods, {events} churns): AUC {auc} (0.5 is "
             "chance, 1 is perfect), Brier score {brier}; the best single signal, {best}, "
             "scores AUC {best_auc}.").format(
        h=horizon, rows=f"{rows:,}", events=f"{events:,}", auc=f"{auc:.3f}",
        brier=f"{brier:.4f}", best=label(best).lower() if label(best).isascii() else label(best),
        best_auc=f"{best_auc:.3f}")  # fmt: skip
    if events < 20:
        text += " " + _("With so few churns in the test periods these figures are uncertain.")
    return text
