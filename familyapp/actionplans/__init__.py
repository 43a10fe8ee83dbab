"""Sick-day action plans, the emergency card and its links."""
