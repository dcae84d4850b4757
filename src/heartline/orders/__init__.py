"""Quotes from deals and orders from every source, with their lifecycle."""
