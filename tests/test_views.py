"""Views per owner / channel / industry (issue 15, item 9).

Columns recognised from English and Chinese headers; each customer in one group
(its value with the most net revenue); the per-group figures against plain pandas
sums on the period tiers, against the scorecard's company totals, and on a
planted story (one owner loses every key account).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamresearch as kam
from kamresearch import keyaccounts as ka
from kamresearch.engine.attributes import customer_attribute

OWNERS = ("Li", "Wang", "Zhang")


@pytest.fixture(scope="module")
def owned():
    tx = kam.simulate(n_customers=400, seed=5, start="2019-01-01", end="2022-12-31").transactions
    codes = tx["customer_id"].str.extract(r"(\d+)$")[0].astype(int)
    tx = tx.assign(owner=[OWNERS[c % 3] for c in codes])
    return tx


def test_owner_channel_industry_headers_are_recognised(tmp_path):
    path = tmp_path / "台账.csv"
    pd.DataFrame(
        {
            "客户编码": ["A1", "A2"],
            "日期": ["2021-01-05", "2021-02-05"],
            "金额": [100.0, 200.0],
            "业务员": ["张三", "李四"],
            "销售渠道": ["直销", "经销"],
            "所属行业": ["汽车", "电子"],
        }
    ).to_csv(path, index=False, encoding="utf-8")
    tx = kam.read_transactions(path)
    assert list(tx["owner"]) == ["张三", "李四"]
    assert list(tx["channel"]) == ["直销", "经销"]
    assert list(tx["industry"]) == ["汽车", "电子"]
    assert ka.view_columns(tx) == ["owner", "channel", "industry"]

    df = pd.DataFrame(
        {"Account ID": ["A1"], "Date": ["2021-01-05"], "Amount": [1.0], "Sales Rep": ["Ann"]}
    )
    assert list(kam.read_transactions(df)["owner"]) == ["Ann"]


def test_customer_attribute_takes_the_value_with_most_revenue():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c", "d", "d"],
            "date": pd.to_datetime(["2021-01-01"] * 5 + ["2022-01-01"] + ["2021-01-01"] * 2),
            "amount": [5.0, 3.0, 3.0, 1.0, 2.0, 10.0, 4.0, 4.0],
            "owner": ["x", "y", "y", None, "z", "w", "q", "p"],
        }
    )
    got = customer_attribute(tx, "owner")
    # a: y carries 6 > 5; b: no value; c: w 10 > 2; d: tie 4 / 4 -> first in sort order
    assert got.to_dict() == {"a": "y", "b": None, "c": "w", "d": "p"}
    assert customer_attribute(tx, "owner", as_of="2021-06-30").to_dict()["c"] == "z"


def test_group_view_equals_plain_sums_on_the_period_tiers(owned):
    view = ka.group_view(owned, "owner", freq="Y")
    pt = ka.period_tiers(owned, freq="Y")
    owner = owned.groupby("customer_id")["owner"].first()  # one owner per customer here
    pt["owner"] = pt["customer_id"].map(owner)
    for (p, g), row in view.set_index(["period", "owner"]).iterrows():
        now = pt[(pt["period"] == p) & (pt["owner"] == g)].set_index("customer_id")
        prev = pt[(pt["period"] == p - 1) & (pt["owner"] == g)].set_index("customer_id")
        assert row["customers"] == len(now)
        assert row["revenue"] == pytest.approx(now["revenue"].sum(), rel=1e-12)
        total = pt.loc[pt["period"] == p, "revenue"].sum()
        assert row["revenue_share"] == pytest.approx(now["revenue"].sum() / total, rel=1e-12)
        key0 = set(prev.index[prev["tier"] == "key"])
        key1 = set(now.index[now["tier"] == "key"])
        buyers = set(now.index[now["purchased"] & (now["revenue"] > 0)])
        assert row["key_accounts"] == len(key1)
        assert row["key_won"] == len(key1 - key0)
        assert row["key_kept"] == len(key0 & key1)
        assert row["key_lost"] == len(key0 - buyers)
        assert row["key_downgraded"] == len((key0 & buyers) - key1)
        if key0:
            after = sum(now["revenue"].get(c, 0.0) for c in key0)
            before = sum(prev.loc[c, "revenue"] for c in key0)
            assert row["key_nrr"] == pytest.approx(after / before, rel=1e-12)
        base = prev.index[prev["revenue"] > 0]
        assert row["customer_retention"] == pytest.approx(np.mean([c in buyers for c in base]))
        after = sum(now["revenue"].get(c, 0.0) for c in base)
        assert row["nrr"] == pytest.approx(after / prev.loc[base, "revenue"].sum(), rel=1e-12)


def test_group_view_adds_up_to_the_company_scorecard(owned):
    view = ka.group_view(owned, "owner", freq="Y").groupby("period").sum(numeric_only=True)
    card = ka.win_grow_keep(owned, freq="Y")
    assert (view["key_won"] == card["entered"]).all()
    assert (view["key_lost"] == card["lost"]).all()
    assert (view["key_downgraded"] == card["downgraded"]).all()
    assert (view["key_kept"] + view["key_lost"] + view["key_downgraded"] == card["open_key"]).all()
    assert (view["key_accounts"] == card["close_key"]).all()
    assert np.allclose(view["revenue_share"], 1.0)


def test_planted_owner_who_loses_every_key_account(owned):
    # Zhang's key accounts of 2021 stop buying at the end of 2021: all lost in 2022
    pt = ka.period_tiers(owned, freq="Y")
    key21 = pt[(pt["period"] == pd.Period("2021", "Y")) & (pt["tier"] == "key")]["customer_id"]
    zhang = set(owned.loc[owned["owner"] == "Zhang", "customer_id"]) & set(key21)
    assert zhang  # the seed gives Zhang key accounts in 2021
    tx = owned[~(owned["customer_id"].isin(zhang) & (owned["date"] >= "2022-01-01"))]
    view = ka.group_view(tx, "owner", freq="Y").set_index(["period", "owner"])
    row = view.loc[(pd.Period("2022", "Y"), "Zhang")]
    assert row["key_lost"] == len(zhang) and row["key_kept"] == 0 and row["key_nrr"] == 0.0


def test_customers_without_a_value_form_their_own_group(owned):
    tx = owned.copy()
    tx.loc[tx["customer_id"] == tx["customer_id"].iloc[0], "owner"] = None
    view = ka.group_view(tx, "owner", freq="Y")
    assert ka.NO_VALUE in set(view["owner"])
    assert view.groupby("period")["revenue_share"].sum().pipe(np.allclose, 1.0)


def test_report_scorecard_shows_the_owner_view_in_both_languages(owned, monkeypatch):
    from kamresearch.reports import sections as rs
    from kamresearch.reports import sections_story as ss
    from kamresearch.reports.tables import RegionData

    shown = []
    monkeypatch.setattr(rs, "_display", shown.append)
    monkeypatch.setattr(ss, "_display", shown.append)
    for lang, head in (("en", "Account owner"), ("zh", "客户负责人（业务员）")):
        shown.clear()
        rep = rs.RegionReport(RegionData(owned, None, owned["date"].max()), lang=lang)
        rep.scorecard()
        html = "".join(getattr(o, "data", "") or "" for o in shown)
        assert head in html and "Zhang" in html and "key_won" not in html
    # without such a column, no view and no mention
    shown.clear()
    rep = rs.RegionReport(RegionData(owned.drop(columns="owner"), None, owned["date"].max()))
    rep.scorecard()
    assert "Account owner" not in "".join(getattr(o, "data", "") or "" for o in shown)


def test_report_takes_currency_tier_thresholds_and_order_band_edges(owned, monkeypatch):
    """Tiers from thresholds in the currency (the config's key_min_revenue /
    major_min_revenue) and band edges from the config (issue 15 items 4, 8)."""
    from kamresearch.errors import ConfigError
    from kamresearch.reports import sections as rs
    from kamresearch.reports import sections_story as ss
    from kamresearch.reports.tables import RegionData

    shown = []
    monkeypatch.setattr(rs, "_display", shown.append)
    monkeypatch.setattr(ss, "_display", shown.append)
    data = RegionData(owned, None, owned["date"].max())
    rep = rs.RegionReport(data, key_min_revenue=50_000, major_min_revenue=10_000,
                          order_band_edges="500, 5000")  # fmt: skip
    # every account's tier is its whole-window revenue against the two thresholds
    revenue = owned.groupby("customer_id")["amount"].sum()
    want = np.where(revenue >= 50_000, "key", np.where(revenue >= 10_000, "major", "general"))
    got = rep.company_tiers(revenue)
    assert list(got) == list(want) and (got == "key").any()
    # the scorecard's period tiers use the same thresholds in every period
    pt = ka.period_tiers(owned, freq=rep.bridge_freq, standard=rep.standard)
    assert ((pt["revenue"] >= 50_000) == (pt["tier"] == "key")).all()
    rep.scorecard()
    html = "".join(getattr(o, "data", "") or "" for o in shown)
    assert "from the configuration" in html and "50" in html
    shown.clear()
    rep.order_sizes()
    html = "".join(getattr(o, "data", "") or "" for o in shown)
    assert "500–5,000" in html and "&lt; 500" in html
    with pytest.raises(ConfigError, match="both"):
        rs.RegionReport(data, key_min_revenue=50_000)
    with pytest.raises(ConfigError, match="increasing"):
        rs.RegionReport(data, order_band_edges=[5000, 500])


def test_run_options_take_currency_thresholds_and_band_edges(tmp_path):
    """key_min_revenue / major_min_revenue / order_band_edges are run options (TOML, CLI,
    run()), validated once and passed to every region's notebook."""
    from kamresearch.errors import ConfigError
    from kamresearch.reports.config import TEMPLATE_PARAMETERS, resolve_options

    opts = resolve_options("x.csv", key_min_revenue=1e6, major_min_revenue=100_000,
                           order_band_edges="1000, 10000")  # fmt: skip
    assert (opts["key_min_revenue"], opts["major_min_revenue"]) == (1e6, 1e5)
    assert opts["order_band_edges"] == [1000.0, 10000.0]
    assert {"key_min_revenue", "major_min_revenue", "order_band_edges"} <= set(TEMPLATE_PARAMETERS)
    cfg = tmp_path / "kam.toml"
    cfg.write_text("[report]\ndata = 'x.csv'\nkey_min_revenue = 500\nmajor_min_revenue = 50\n"
                   "order_band_edges = [10, 100]\n", encoding="utf-8")  # fmt: skip
    opts = resolve_options(config=cfg)
    assert opts["key_min_revenue"] == 500.0 and opts["order_band_edges"] == [10.0, 100.0]
    for bad, match in (
        ({"key_min_revenue": 1e6}, "both"),
        ({"key_min_revenue": 10, "major_min_revenue": 100}, "major_min_revenue <= key"),
        ({"order_band_edges": [100, 10]}, "increasing"),
        ({"order_band_edges": "a,b"}, "numbers"),
    ):
        with pytest.raises(ConfigError, match=match):
            resolve_options("x.csv", **bad)
