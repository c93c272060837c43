"""kamresearch.churn (under construction)."""

__all__: list[str] = []
