"""The ``kamresearch`` command line: a thin layer over the library.

Exit codes: 0 success, 1 some work failed (see the command), 2 bad input or
arguments (the message of the :class:`~kamresearch.DataError`, no traceback).
Only this module configures logging.
"""

from __future__ import annotations

import logging
import sys

import click

from .errors import KamError

__all__ = ["main"]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
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
@click.option("--sheet", default=None, help="Excel: read only this sheet.")
@click.option("--keep-duplicates", is_flag=True, help="Keep exact duplicate lines.")
def validate(file, mapping, sheet, keep_duplicates):
    """Read FILE, check it and print its data-quality summary."""
    from .io import quality_summary, read_transactions

    try:
        tx = read_transactions(file, mapping, sheet=sheet, keep_duplicates=keep_duplicates)
    except KamError as exc:
        _fail(exc)
    table = quality_summary(tx)
    click.echo(table.to_string())


@main.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the sample (.csv, .parquet or .xlsx).")
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


if __name__ == "__main__":  # pragma: no cover
    main()
