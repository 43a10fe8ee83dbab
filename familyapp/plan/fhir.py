"""The plan as a FHIR R4 Bundle (pure: no web, no database). Placeholder until built."""
