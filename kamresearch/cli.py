"""The ``kamresearch`` command line: a thin layer over the library.

Exit codes: 0 success, 1 some work failed (see the command), 2 bad input or
arguments (the message of the :class:`~kamresearch.DataError`, no traceback).
Only this module configures logging.
"""

from __future__ import annotations

import logging
import sys
import warnings

import click

from .errors import KamError

__all__ = ["main"]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:  # papermill logs every notebook's paths at INFO
        logging.getLogger("papermill").setLevel(logging.WARNING)
        # a data warning is for the user: its text, not the source line that raised it
        warnings.formatwarning = lambda message, category, *args, **kwargs: (
            f"{category.__name__}: {message}\n"
        )


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kamresearch")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """Key account research: concentration, churn and cohorts per sales region."""
    _setup_logging(verbose)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--mapping", default=None, help="A preset name (e.g. online-retail).")
@click.option(
    "--sheet",
    "sheets",
    multiple=True,
    help="Excel: read only this sheet (repeatable), or 'all' (hidden and summary sheets too).",
)
@click.option("--keep-duplicates", is_flag=True, help="Keep exact duplicate lines.")
@click.option("--header-row", type=int, default=None, help="Row number of the header (1 = first).")
@click.option("--unit", default=None, help="Unit of the amounts: 元, 千元, 万元, 百万元 or 亿元.")
@click.option(
    "--amount-basis",
    type=click.Choice(["net", "gross"]),
    default="net",
    show_default=True,
    help="Revenue net of VAT or VAT included.",
)
@click.option(
    "--returns-from",
    default=None,
    help="Remark column (摘要, 备注 ...) whose returns (退货, 红字, 冲销) are made negative.",
)
@click.option(
    "--decimal",
    type=click.Choice([".", ","]),
    default=None,
    help="Decimal separator of text numbers, when the values cannot decide it.",
)
@click.option("--unify-ids", is_flag=True, help="Merge ids differing in case or leading zeros.")
@click.option("--unify-regions", is_flag=True, help="Merge regions differing only in case.")
@click.option("--tz", default=None, help="Convert zoned timestamps to this zone (e.g. UTC).")
@click.option(
    "--outlying-dates",
    type=click.Choice(["raise", "drop", "keep"]),
    default="raise",
    show_default=True,
    help="Lines dated far from all the others: an error, left out (counted), or kept.",
)
def validate(
    file,
    mapping,
    sheets,
    keep_duplicates,
    header_row,
    unit,
    amount_basis,
    returns_from,
    decimal,
    unify_ids,
    unify_regions,
    tz,
    outlying_dates,
):
    """Read FILE, check it and print what was read and decided, then the quality summary."""
    from .io.read import describe_quality, quality_summary, read_transactions

    sheet = None if not sheets else sheets[0] if len(sheets) == 1 else list(sheets)
    try:
        tx = read_transactions(
            file,
            mapping,
            sheet=sheet,
            keep_duplicates=keep_duplicates,
            header_row=header_row,
            unit=unit,
            amount_basis=amount_basis,
            returns_from=returns_from,
            decimal=decimal,
            unify_ids=unify_ids,
            unify_regions=unify_regions,
            tz=tz,
            outlying_dates=outlying_dates,
        )
    except KamError as exc:
        _fail(exc)
    click.echo("\n".join(describe_quality(tx)))
    click.echo("")
    table = quality_summary(tx)
    click.echo(table.to_string(index=False))


@main.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the sample (.csv, .parquet or .xlsx).",
)
@click.option("--seed", default=0, show_default=True, help="Sample seed.")
def sample(out, seed):
    """Write the built-in synthetic sample to a file."""
    from pathlib import Path

    from .datasets import load_sample

    tx = load_sample(seed=seed)
    path = Path(out)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if suffix == ".parquet":
        tx.to_parquet(tmp, index=False)
    elif suffix in (".csv", ".txt"):
        tx.to_csv(tmp, index=False)
    elif suffix == ".xlsx":
        tx.to_excel(tmp, index=False, engine="openpyxl")
    else:
        _fail(KamError(f"--out {out}: use a .csv, .parquet or .xlsx file name"))
    tmp.replace(path)
    click.echo(f"wrote {len(tx):,} lines to {path}")


@main.command()
@click.option(
    "--data",
    type=click.Path(dir_okay=False),
    default=None,
    help="Input file (csv, xlsx, parquet, ...); or set data in --config.",
)
@click.option("--mapping", default=None, help="Column mapping preset (e.g. online-retail).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="R",
    help="Region to report (repeatable); 'All' is the whole company; "
    "'all' (the default) is All plus every region.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="DATE",
    help="Analysis date YYYY-MM-DD [default: the last date in the data].",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(file_okay=False),
    help="Output folder [default: reports].",
)
@click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    help="Reports run in parallel worker processes [default: 1].",
)
@click.option(
    "--force/--no-force", default=None, help="Redo regions already finished with the same inputs."
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file with the same options (flags override it).",
)
@click.option("--key-share", type=float, default=None, help="Key tier share [default: 0.01].")
@click.option(
    "--major-share", type=float, default=None, help="Key + major tiers share [default: 0.20]."
)
@click.option(
    "--key-min-revenue",
    type=float,
    default=None,
    help="Key tier from this revenue in the data's currency instead of --key-share "
    "(with --major-min-revenue).",
)
@click.option(
    "--major-min-revenue",
    type=float,
    default=None,
    help="Major tier from this revenue in the data's currency (with --key-min-revenue).",
)
@click.option(
    "--order-band-edges",
    default=None,
    metavar="A,B,...",
    help="Order-value band edges in the data's currency, e.g. 1000,10000,100000 "
    "[default: scaled to the data].",
)
@click.option(
    "--inactivity-days",
    type=int,
    default=None,
    help="Days without purchase after which an account counts as lost.",
)
@click.option(
    "--previous",
    "previous_run",
    default=None,
    help="Earlier run folder for 'Since the last review', or 'none' [default: the newest "
    "earlier run beside --out].",
)
@click.option(
    "--freq",
    type=click.Choice(["M", "Q", "Y"], case_sensitive=False),
    default=None,
    help="Period of every region's tables: month, quarter or year [default: chosen once "
    "from the whole data].",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report notebook [default: notebooks/region_report.ipynb].",
)
@click.option(
    "--timeout",
    type=float,
    default=None,
    help="Seconds a notebook cell may run before its region fails [default: no limit].",
)
@click.option(
    "--sheet",
    "sheets",
    multiple=True,
    help="Excel: read only this sheet (repeatable), or 'all' (hidden and summary sheets too).",
)
@click.option("--header-row", type=int, default=None, help="Row number of the header (1 = first).")
@click.option("--unit", default=None, help="Unit of the amounts: 元, 千元, 万元, 百万元 or 亿元.")
@click.option(
    "--amount-basis",
    type=click.Choice(["net", "gross"]),
    default=None,
    help="Revenue net of VAT or VAT included [default: net].",
)
@click.option(
    "--returns-from",
    default=None,
    help="Remark column (摘要, 备注 ...) whose returns (退货, 红字, 冲销) are made negative.",
)
@click.option(
    "--keep-duplicates/--drop-duplicates",
    default=None,
    help="Keep exact duplicate lines (real repeat purchases in data without invoice "
    "numbers) [default: drop them, with a warning].",
)
@click.option(
    "--dayfirst/--monthfirst",
    default=None,
    help="Order of 03/04/2021-style dates [default: decided from the values].",
)
@click.option(
    "--decimal",
    type=click.Choice([".", ","]),
    default=None,
    help="Decimal separator of text numbers, when the values cannot decide it.",
)
@click.option(
    "--unify-ids", is_flag=True, default=None, help="Merge ids differing in case or leading zeros."
)
@click.option(
    "--unify-regions", is_flag=True, default=None, help="Merge regions differing only in case."
)
@click.option("--tz", default=None, help="Convert zoned timestamps to this zone (e.g. UTC).")
@click.option(
    "--outlying-dates",
    type=click.Choice(["raise", "drop", "keep"]),
    default=None,
    help="Lines dated far from all the others: an error (default), left out, or kept.",
)
@click.option(
    "--force-as-of",
    is_flag=True,
    default=None,
    help="Accept an --as-of more than a year after the last date in the data.",
)
@click.option(
    "--lang",
    default=None,
    metavar="LANG",
    help="Report language: en or zh (headings, readings, tables, charts, Excel, index) "
    "[default: en].",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default=None,
    help="Where the input is scanned and validated: duckdb (in process) or spark (the "
    "spark extra and Java >= 17) [default: duckdb].",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar [default: when stderr is a terminal].",
)
def report(
    data,
    mapping,
    regions,
    as_of,
    out,
    jobs,
    force,
    config,
    key_share,
    major_share,
    key_min_revenue,
    major_min_revenue,
    order_band_edges,
    inactivity_days,
    freq,
    previous_run,
    template,
    timeout,
    sheets,
    header_row,
    unit,
    amount_basis,
    returns_from,
    keep_duplicates,
    dayfirst,
    decimal,
    unify_ids,
    unify_regions,
    tz,
    outlying_dates,
    force_as_of,
    lang,
    engine,
    progress,
):
    """Write one report per region (+ All), an index.html and a manifest.json.

    Exit status: 0 every report succeeded, 1 some failed (the others are
    written; see manifest.json), 2 bad input or arguments. A rerun skips the
    regions already done with the same input and options (--force redoes them).

    \b
    A scheduled run (crontab: Mondays 06:00; kam.toml holds data, out, jobs, ...):
      0 6 * * 1  cd /srv/kam && .venv/bin/kamresearch report --config kam.toml >>kam.log 2>&1
    """
    import signal

    from .reports.pipeline import run

    def _terminated(signum, frame):  # a scheduler's SIGTERM stops the run like Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        result = run(
            data,
            mapping=mapping,
            regions=list(regions) or None,
            as_of=as_of,
            out=out,
            jobs=jobs,
            force=force,
            config=config,
            template=template,
            key_share=key_share,
            major_share=major_share,
            key_min_revenue=key_min_revenue,
            major_min_revenue=major_min_revenue,
            order_band_edges=order_band_edges,
            inactivity_days=inactivity_days,
            freq=freq,
            previous=previous_run,
            timeout=timeout,
            progress=progress,
            sheet=None if not sheets else sheets[0] if len(sheets) == 1 else list(sheets),
            keep_duplicates=keep_duplicates,
            dayfirst=dayfirst,
            decimal=decimal,
            unify_ids=unify_ids,
            unify_regions=unify_regions,
            tz=tz,
            outlying_dates=outlying_dates,
            force_as_of=force_as_of,
            header_row=header_row,
            unit=unit,
            amount_basis=amount_basis,
            returns_from=returns_from,
            lang=lang,
            engine=engine,
        )
    except KamError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        click.echo("interrupted: finished regions are kept; rerun to complete the rest", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    n_reused = sum(r.reused for r in result.regions)
    failed = result.failed
    summary = f"{len(result.regions)} report(s): {len(result.regions) - len(failed)} ok"
    if n_reused:
        summary += f" ({n_reused} unchanged, reused)"
    if failed:
        summary += f", {len(failed)} failed: " + ", ".join(r.label for r in failed)
    click.echo(summary, err=True)
    click.echo(f"open {result.index}")
    sys.exit(result.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
