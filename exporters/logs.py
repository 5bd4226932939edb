"""Log lines in logfmt or JSON, like the Go exporters' --log.format."""

import json
import logging
import sys
import time

LEVELS = ("debug", "info", "warn", "error")


class _Formatter(logging.Formatter):
    """Render a record as ordered key/value fields."""

    def fields(self, record: logging.LogRecord) -> dict[str, str]:
        """Return the fields of one log line."""
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields = {
            "ts": f"{created}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower().replace("warning", "warn"),
            "caller": f"{record.module}.py:{record.lineno}",
            "msg": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            fields["err"] = f"{type(error).__name__}: {error}"
        return fields


class LogfmtFormatter(_Formatter):
    """Format records as logfmt: key=value, quoting values that need it."""

    def format(self, record: logging.LogRecord) -> str:
        """Return one logfmt line."""
        fields = self.fields(record).items()
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields)


class JsonFormatter(_Formatter):
    """Format records as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return one JSON line."""
        return json.dumps(self.fields(record))


def _logfmt_value(value: str) -> str:
    if value and not any(c in value for c in ' ="\\') and value.isprintable():
        return value
    return json.dumps(value)


def configure(level: str, fmt: str) -> None:
    """Send the exporter's logs to stderr at the given level and format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper().replace("WARN", "WARNING"))
