"""Accounts: users, passwords, sign-in and server-side sessions."""
