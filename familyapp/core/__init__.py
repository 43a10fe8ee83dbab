"""Shared plumbing with no features in it: database, i18n, authorization, audit, errors, API."""
