"""Reductions: JVP rules (linear reductions live in linear.py)."""
