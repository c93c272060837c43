"""kamresearch.pareto (under construction)."""

__all__: list[str] = []
