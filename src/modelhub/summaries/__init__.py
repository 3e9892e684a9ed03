"""Partners' test summaries coming in: the push API (JSON or YAML, a partner token or the
partner's maintainers), the pull job that fetches them from a partner's ``test_summary_url``,
and the partner page's "pull now" button. Storing and reading them is ``modelhub.compat``."""
