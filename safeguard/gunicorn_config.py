"""gunicorn's settings (`gunicorn -c python:safeguard.gunicorn_config`, Procfile): its own records,
the access lines among them, through Safeguard's single-line formatter (cases.logs), so a request's
path or user agent cannot forge a log line or rewrite a terminal (docs/reliability.md).

gunicorn merges `logconfig_dict` into its defaults, key by key: the formatter its handlers use
("generic") is replaced, and the two loggers do not also pass their records to the root logger,
which the application's own LOGGING sets up in each worker."""

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

accesslog = "-"
logconfig_dict = {
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "formatters": {"generic": {"()": "cases.logs.SingleLineFormatter", "format": FORMAT}},
}
