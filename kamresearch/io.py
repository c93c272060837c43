"""Reading client data into canonical transactions (placeholder, being written)."""

PRESETS: dict = {}
__all__ = ["read_transactions", "quality_summary", "PRESETS"]


def read_transactions(source, mapping=None, *, sheet=None, keep_duplicates=False):
    raise NotImplementedError


def quality_summary(tx):
    raise NotImplementedError
