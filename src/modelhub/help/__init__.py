"""Help pages served by the hub at ``/help``: getting started, building a package, a glossary,
the tag vocabulary, the command line and the HTTP API (from the app's own OpenAPI schema)."""
