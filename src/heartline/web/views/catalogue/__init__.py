"""Pages of the catalogue area."""
