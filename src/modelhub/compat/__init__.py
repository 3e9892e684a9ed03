"""Compatibility of published versions with consumer software: partners' test summaries (pushed
or pulled), the hub's own checks per consumer, the badges and filter derived from both, and the
signed notice to a partner's CI when a version is published or yanked."""
