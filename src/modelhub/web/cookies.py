"""Names of the hub's cookies (the login session's and the CSRF token's)."""

SESSION_COOKIE = "modelhub_session"
CSRF_COOKIE = "modelhub_csrf"
