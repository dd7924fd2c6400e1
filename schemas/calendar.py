"""Working days for processing deadlines: weekend days and public holidays as data
(``schemas/data/calendar.json``), so a year's official notice is a data change, not a code change."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

# Vietnam keeps UTC+7 all year (no daylight saving time).
VIETNAM_TZ = timezone(timedelta(hours=7), "UTC+07:00")


def local_date(moment: datetime) -> date:
    """The date in Vietnam of an aware moment (a naive one is taken as already local)."""
    return moment.astimezone(VIETNAM_TZ).date() if moment.tzinfo is not None else moment.date()


CALENDAR_PATH = Path(__file__).parent / "data" / "calendar.json"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class WorkingCalendar(BaseModel):
    model_config = ConfigDict(frozen=True)

    calendar_version: str
    source: str
    weekend: tuple[str, ...]
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] not in self.weekend and day not in self.holidays

    def add_working_days(self, received_on: date, days: int) -> date:
        """The deadline of a dossier received on ``received_on`` with ``days`` working days to process it:
        the ``days``-th working day after the receipt date (0 days: the receipt day itself, or the next
        working day when received on a day off)."""
        day = received_on
        if days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day


@lru_cache(maxsize=4)
def load_calendar(path: Path = CALENDAR_PATH) -> WorkingCalendar:
    calendar = WorkingCalendar.model_validate(json.loads(path.read_text(encoding="utf-8")))
    unknown = set(calendar.weekend) - set(WEEKDAYS)
    if unknown:
        raise ValueError("weekend names must be English weekday names")
    return calendar
