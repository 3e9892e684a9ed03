"""Matomo's ``period`` and ``date`` parameters: day, week, month, year or range; a date
``today``, ``yesterday``, ``YYYY-MM-DD``, ``lastN``, ``previousN`` or ``START,END``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from modelhub.errors import HubError

_LAST = re.compile(r"^(last|previous)(\d{1,4})$")
PERIODS = ("day", "week", "month", "year", "range")


class BadParameter(HubError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message, status_code=400, code="usage_bad_parameter")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


def _day(text: str, today: date) -> date:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"date: {text!r} is not a date.") from None


def _containing(period: str, day: date) -> Period:
    if period == "day":
        return Period(day.isoformat(), day, day)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        return Period(f"{start.isoformat()},{end.isoformat()}", start, end)
    if period == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(start.strftime("%Y-%m"), start, end)
    start, end = date(day.year, 1, 1), date(day.year, 12, 31)
    return Period(str(day.year), start, end)


def _step_back(period: str, p: Period) -> Period:
    return _containing(period, p.start - timedelta(days=1))


def periods(period: str, when: str, today: date) -> tuple[list[Period], bool]:
    """The periods asked for, oldest first, and whether the answer is keyed by period (several
    periods: ``lastN``, ``previousN``, or a ``START,END`` date with a period other than range)."""
    if period not in PERIODS:
        raise BadParameter(f"period must be one of {', '.join(PERIODS)}.")
    when = when.strip()
    if period == "range":
        if "," in when:
            first, last = (_day(p, today) for p in when.split(",", 1))
        elif match := _LAST.match(when):
            n = int(match.group(2))
            last = today if match.group(1) == "last" else today - timedelta(days=1)
            first = last - timedelta(days=n - 1)
        else:
            raise BadParameter("period=range needs date=START,END, lastN or previousN.")
        return [Period(f"{first.isoformat()},{last.isoformat()}", first, last)], False
    if match := _LAST.match(when):
        n = max(1, min(int(match.group(2)), 1000))
        current = _containing(period, today)
        if match.group(1) == "previous":
            current = _step_back(period, current)
        found = [current]
        while len(found) < n:
            found.append(_step_back(period, found[-1]))
        return list(reversed(found)), True
    if "," in when:
        first, last = (_day(p, today) for p in when.split(",", 1))
        found = [_containing(period, first)]
        while found[-1].end < last and len(found) < 1000:
            found.append(_containing(period, found[-1].end + timedelta(days=1)))
        return found, True
    return [_containing(period, _day(when, today))], False
