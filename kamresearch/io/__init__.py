"""Reading client files into the canonical transaction table (:mod:`kamresearch.schema`).

:func:`read_transactions` reads a CSV / Excel / Parquet file or a DataFrame,
recognises the columns, parses values and validates once; :func:`quality_summary`
says what was read, dropped and flagged. Files are loaded in :mod:`.files`,
values parsed in :mod:`.values`, the pipeline is :mod:`.read`.
"""

from .read import PRESETS, describe_quality, quality_summary, read_transactions

__all__ = ["read_transactions", "quality_summary", "describe_quality", "PRESETS"]
