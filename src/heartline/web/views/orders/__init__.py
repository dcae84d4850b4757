"""Pages of the orders area."""
