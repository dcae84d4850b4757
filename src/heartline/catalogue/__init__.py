"""Products, price lists, taxes and the one price and totals calculation."""
