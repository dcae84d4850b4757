"""Pages of the leads area."""
