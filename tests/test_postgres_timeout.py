"""statement_timeout follows a probe's budget with as few extra statements as it can."""

from typing import Any, cast

import psycopg

from exporters.collectors.postgres import TIMEOUT_SLACK, _Session


class RecordingConnection:
    """Stand in for a psycopg connection: record the statements sent, run nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...]]] = []

    def execute(self, sql: str, params: tuple[str, ...]) -> None:
        self.sent.append((sql, params))


def session(timeout_ms: int) -> tuple[_Session, RecordingConnection]:
    connection = RecordingConnection()
    return _Session(cast(psycopg.Connection[Any], connection), timeout_ms), connection


def test_a_fast_probe_sends_no_refit() -> None:
    fitted, connection = session(2400)
    for remaining_ms in range(2400, 2400 - 8 * 20, -20):  # eight groups of 20 ms each
        fitted.fit_timeout(remaining_ms)
    assert connection.sent == []


def test_a_timeout_off_by_more_than_the_slack_is_refitted_once() -> None:
    fitted, connection = session(2400)
    off = int(2000 * TIMEOUT_SLACK)
    fitted.fit_timeout(2400 - off + 1)  # within the slack of what is left: kept
    assert connection.sent == []
    fitted.fit_timeout(2000)  # 400 ms off, more than a tenth of 2000: refitted
    assert [params for _sql, params in connection.sent] == [("2000",)]
    assert "statement_timeout" in connection.sent[0][0]
    fitted.fit_timeout(1950)  # close to the new value again: kept
    assert len(connection.sent) == 1
    assert fitted.timeout_ms == 2000


def test_a_later_probe_with_a_longer_budget_raises_it_again() -> None:
    fitted, connection = session(300)
    fitted.fit_timeout(2400)
    assert [params for _sql, params in connection.sent] == [("2400",)]
    assert fitted.timeout_ms == 2400
