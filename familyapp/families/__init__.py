"""Families: households, children, memberships with roles, invitations."""
