"""The staff pages of the customer memory: desk (list, new, 360), merging, import/export."""
