"""Marketplace models arrive with the marketplace issue."""
