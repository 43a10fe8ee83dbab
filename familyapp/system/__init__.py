"""The app's own pages: home, health check, OpenAPI document, language switch."""
