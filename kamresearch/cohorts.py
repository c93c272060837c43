"""kamresearch.cohorts (under construction)."""

__all__: list[str] = []
