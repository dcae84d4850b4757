"""Pages of the sales area."""
