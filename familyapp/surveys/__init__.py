"""Burden and family-experience surveys: FHIR questionnaires, campaigns, responses, scoring."""
