"""The run's overview page: every region's headline figures side by side, with links."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from ..i18n import N_, _, format_date, format_number
from ..schema import COMPANY, COMPANY_LABEL

__all__ = ["render_index", "yardstick_line"]

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"PingFang SC","Microsoft YaHei",sans-serif;margin:1rem;color:#222;font-size:14px}
h1{font-size:1.5rem;margin-bottom:.2rem}
p.meta{color:#666;margin-top:0}
div.wrap{max-width:100%}
table{border-collapse:collapse;margin-top:1rem;width:100%}
th,td{padding:.3rem .25rem;border-bottom:1px solid #ddd;vertical-align:top;background:#fff}
th{background:#f3f4f6;text-align:left;font-weight:600;vertical-align:bottom;font-size:.8em;
hyphens:auto;overflow-wrap:break-word}
th:first-child,td:first-child{min-width:7rem;overflow-wrap:anywhere}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fdecea}
tr.company td{font-weight:600}
span.err{color:#b00020;font-size:.9em;overflow-wrap:anywhere}
td.files{font-size:.9em}
a{color:#1a5fb4}
small{color:#666}
@media (max-width:760px){
body{margin:.6rem}
table,thead,tbody,tr,th,td{display:block}
thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{border:1px solid #ddd;border-radius:4px;margin:0 0 .8rem}
td{display:flex;justify-content:space-between;gap:1rem;border-bottom:1px solid #eee;
text-align:right;overflow-wrap:anywhere}
td::before{content:attr(data-label);font-weight:600;text-align:left;color:#444;flex:0 0 45%}
td:first-child{font-size:1.1em;min-width:0}
td:first-child::before{content:none}
td.files{white-space:normal}
}
"""


#: How a period length reads in the statement of the run's yardstick.
_FREQ_WORDS = {"M": N_("months"), "Q": N_("quarters"), "Y": N_("years")}


def yardstick_line(params: dict) -> str:
    """The overview's statement of the one period and inactivity window of every region.

    Empty for a manifest without them (a run before they were recorded).
    """
    freq, days = params.get("freq"), params.get("inactivity_days")
    if not freq:
        return ""
    source = params.get("yardstick_from") or {}
    how = (_("as configured") if "config" in source.values() else
           _("chosen once from the whole data"))  # fmt: skip
    words = {"freq": _(_FREQ_WORDS.get(freq, freq)), "how": how,
             "cohort": _(_FREQ_WORDS.get(params.get("cohort_freq") or freq, freq))}  # fmt: skip
    if days is None:  # no repeat purchase in the data: no window to choose
        text = _("Every region measured alike: periods of {freq} (cohorts: {cohort}) "
                 "({how})").format(**words)  # fmt: skip
    else:
        text = _("Every region measured alike: periods of {freq} (cohorts: {cohort}); an "
                 "account counts as lost after {days} days without a purchase ({how})").format(
            days=format_number(int(days)), **words)  # fmt: skip
    return f'<br><span class="yardstick">{escape(text)}</span>'


def review_section(manifest: dict, reviews: dict) -> str:
    """The overview's "Since the last review": one row per region compared (or why not).

    ``reviews`` maps a region to the ``since`` block of its ``.review.json`` (see
    :mod:`kamresearch.reports.review`); empty: no section.
    """
    from .review import CHANGES, FIGURES
    from .sections_review import CHANGE_TITLES, FIGURE_TITLES, _fmt_change

    if not reviews:
        return ""
    heads = [_("Region"), _("Compared")] + [_(CHANGE_TITLES[c]) for c in CHANGES] + [
        _(FIGURE_TITLES[f]) for f in FIGURES]  # fmt: skip
    rows = []
    for entry in manifest.get("regions", []):
        since = reviews.get(entry["region"])
        if not since:
            continue
        title = escape(str(entry.get("label") or entry["region"]))
        if since.get("mismatch"):
            why = escape(_("not compared: {why}").format(why=since["mismatch"]))
            rows.append(f'<tr><td>{title}</td><td colspan="{len(heads) - 1}">{why}</td></tr>')
            continue
        dates = escape(_("{before} → {after}").format(
            before=format_date(since["date_before"]), after=format_date(since["date_after"])))  # fmt: skip
        cells = [f'<td class="num" data-label="{escape(h, quote=True)}">{v}</td>' for h, v in zip(
            heads[2:2 + len(CHANGES)], [since["counts"].get(c, 0) for c in CHANGES], strict=True)]  # fmt: skip
        for h, f in zip(heads[2 + len(CHANGES) :], FIGURES, strict=True):
            ch = (since.get("figures") or {}).get(f, {}).get("change")
            shown = "–" if ch is None else _fmt_change(f, float(ch))
            cells.append(
                f'<td class="num" data-label="{escape(h, quote=True)}">{escape(shown)}</td>'
            )
        rows.append(f'<tr><td>{title}</td><td data-label="{escape(heads[1], quote=True)}">'
                    f'{dates}</td>{"".join(cells)}</tr>')  # fmt: skip
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return (f'<h2>{escape(_("Since the last review"))}</h2>\n<div class="wrap"><table '
            f'class="review">\n<thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows)
            + "\n</tbody>\n</table></div>\n")  # fmt: skip


def _link(name, text) -> str:
    return f'<a href="{escape(quote(name), quote=True)}">{escape(text)}</a>'


def render_index(manifest: dict, headlines: dict, *, reviews: dict | None = None) -> str:
    """HTML of the overview page.

    Parameters
    ----------
    manifest : dict
        The run manifest (see :func:`kamresearch.reports.run`): ``regions`` (list of
        dicts with ``region`` (None: the whole company), ``label``, ``status``,
        ``error``, ``files``), ``parameters``,
        ``input``, ``versions``, ``started``, ``finished``.
    headlines : dict
        ``{region: headline dict}`` as written by
        :func:`kamresearch.reports.save_outputs` (missing regions show "–").
    reviews : dict, optional
        ``{region: since}``, the ``since`` block of each region's ``.review.json``: the
        page's "Since the last review" section (:func:`review_section`).

    Returns
    -------
    str
        A self-contained HTML page (inline CSS, no scripts). Columns: region (linked
        to its HTML report), one column per headline figure (in the order of the
        first headline) after the status, and links to the Excel tables and the notebook.
        Failed regions show their error and link to papermill's failed notebook.
    """
    from ..i18n import use_language

    lang = (manifest.get("parameters") or {}).get("lang") or "en"
    with use_language(lang):  # the page in the run's language
        return _render(manifest, headlines, lang, reviews=reviews)


def _render(manifest: dict, headlines: dict, lang: str, *, reviews: dict | None = None) -> str:
    from ..i18n import _, gettext

    # the page's fixed texts (looked up outside the f-strings, where the extractor sees them)
    t_failed, t_status, t_files = escape(_("failed")), escape(_("Status")), escape(_("Files"))
    t_region, t_h1 = escape(_("Region")), escape(_("Key account reports by region"))
    regions = manifest.get("regions", [])
    labels: dict[str, str] = {}
    for entry in regions:
        doc = headlines.get(entry["region"]) or {}
        for fig in doc.get("figures", []):
            labels.setdefault(fig["figure"], fig.get("label", fig["figure"]))
    params = manifest.get("parameters", {})
    source = manifest.get("input", {})
    n_ok = sum(r.get("status") == "ok" for r in regions)
    n_failed = sum(r.get("status") == "failed" for r in regions)
    head = "".join(f"<th>{escape(lbl)}</th>" for lbl in labels.values())
    rows = []
    for entry in regions:
        files = entry.get("files") or {}
        name = entry["region"]
        title = str(entry.get("label") or (gettext(COMPANY_LABEL) if name is COMPANY else name))
        cell = _link(files["html"], title) if "html" in files else escape(title)
        doc = headlines.get(name) or {}
        values = {f["figure"]: f.get("display", "") for f in doc.get("figures", [])}
        nums = "".join(f'<td class="num" data-label="{escape(lbl, quote=True)}">'
                       f'{escape(str(values.get(k, "–")))}</td>' for k, lbl in labels.items())  # fmt: skip
        status = entry.get("status", "pending")
        if status == "failed":
            status_html = (
                f'{t_failed}<br><span class="err">{escape(str(entry.get("error")))}</span>'
            )
        else:
            note = " " + _("(earlier run)") if entry.get("previous_run") else ""
            note = note or (" " + _("(unchanged)") if entry.get("reused") else "")
            shown = {"ok": _("ok"), "pending": _("pending")}.get(status, status)
            status_html = escape(shown + note)
        links = " · ".join(
            _link(files[k], txt)
            for k, txt in (("xlsx", "Excel"), ("notebook", _("notebook")))
            if k in files
        )
        cls = "failed" if status == "failed" else ("company" if name is COMPANY else "")
        rows.append(
            f'<tr class="{cls}"><td>{cell}</td><td data-label="{t_status}">'
            f"{status_html}</td>{nums}"
            f'<td class="files" data-label="{t_files}">{links}</td></tr>'
        )
    as_of = format_date(params["as_of"]) if params.get("as_of") else ""
    t_title = escape(_("Key account reports · as of {date}").format(date=as_of))
    meta = _("Data: {source} · as of {date} · {n} reports: {ok} ok").format(
        source=escape(
            _("a table in memory")
            if source.get("name") == "<DataFrame>"
            else str(source.get("name", ""))
        ),
        date=escape(as_of),
        n=len(regions),
        ok=n_ok,
    ) + (_(", {n} failed").format(n=n_failed) if n_failed else "")
    meta += yardstick_line(params)
    foot = (
        f"kamresearch {escape(str(manifest.get('versions', {}).get('kamresearch', '')))} · "
        + _("run started {time}").format(time=escape(str(manifest.get("started", ""))))
        + (
            _(", finished {time}").format(time=escape(str(manifest["finished"])))
            if manifest.get("finished")
            else ""
        )
        + " · "
        + _("details in")
        + " "
        + _link("manifest.json", "manifest.json")
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang, quote=True)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{t_title}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{t_h1}</h1>\n<p class="meta">{meta}</p>\n'
        f'<div class="wrap"><table>\n<thead><tr><th>{t_region}</th>'
        f"<th>{t_status}</th>{head}<th>{t_files}</th></tr></thead>\n"
        "<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table></div>\n"
        + review_section(manifest, reviews or {})
        + f"<p><small>{foot}</small></p>\n</body>\n</html>\n"
    )
