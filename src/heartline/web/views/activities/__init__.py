"""Pages of the activities area."""
