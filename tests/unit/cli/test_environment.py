"""Unknown ``MODELHUB_*`` variables are named at start, with the setting likely meant."""

from __future__ import annotations

from modelhub.cli.environment import unknown_variable_warnings


def test_unknown_variables_are_named_with_the_likely_setting() -> None:
    environ = {
        "MODELHUB_PUBLIC_URL": "https://hub.example.org",  # a guess: no spelling leads there
        "MODELHUB_DATABSE_URL": "sqlite://",  # a typo
        "MODELHUB_SHINY": "1",  # nothing like it
        "modelhub_data_dir": "x",  # known, in any case, as Settings reads it
        "MODELHUB_URL": "http://127.0.0.1:8000",  # the CLI's own
        "MODELHUB_TEST_DATABASE_URL": "sqlite://",  # the test suite's own
        "PATH": "/usr/bin",
    }
    assert unknown_variable_warnings(environ) == [
        "warning: MODELHUB_DATABSE_URL is not a modelhub setting and is ignored;"
        " did you mean MODELHUB_DATABASE_URL?",
        "warning: MODELHUB_PUBLIC_URL is not a modelhub setting and is ignored;"
        " did you mean MODELHUB_BASE_URL?",
        "warning: MODELHUB_SHINY is not a modelhub setting and is ignored",
    ]
    assert unknown_variable_warnings({"MODELHUB_BASE_URL": "x", "HOME": "/"}) == []
