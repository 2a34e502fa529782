"""Public holidays, from a region's rules in locales/<lang>/language.toml.

A reminder or a deadline breakup sets itself never falls on a weekend or on a national public
holiday of the region; a date the user gives that does gets a warning. Regional and local
holidays are not known (the notes say so). Rules, one string each:

    "12-25"             a fixed day (month-day)
    "07-04 observed"    a fixed day; on a Saturday the Friday before is off, on a Sunday the
                        Monday after (United States)
    "12-26 substitute"  a fixed day; on a weekend the next weekday that is not already off
                        is (United Kingdom: Christmas on a Saturday moves Boxing Day too)
    "easter-2"          days from Easter Sunday (Good Friday); "easter+1" Easter Monday
    "01 mon 3"          the third Monday of January; "05 mon -1" the last Monday of May
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

from breakup.errors import CatalogError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIXED = re.compile(r"(\d\d)-(\d\d)(?: (observed|substitute))?")
_EASTER = re.compile(r"easter([+-]\d+)?")
_NTH = re.compile(r"(\d\d) (mon|tue|wed|thu|fri|sat|sun) (-1|[1-5])")


def easter(year: int) -> date:
    """Easter Sunday of a year (Gregorian calendar; the anonymous Gregorian computus)."""
    golden = year % 19
    century, years = divmod(year, 100)
    leap_c, rem_c = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_c - moon + 15) % 30
    leap_y, rem_y = divmod(years, 4)
    weekday = (32 + 2 * rem_c + 2 * leap_y - epact - rem_y) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def check(rules: tuple[str, ...]) -> None:
    """Raise ValueError naming the first rule that is not one of the forms above."""
    for rule in rules:
        if not (_FIXED.fullmatch(rule) or _EASTER.fullmatch(rule) or _NTH.fullmatch(rule)):
            raise ValueError(f"unknown holiday rule {rule!r}")


@functools.lru_cache(maxsize=64)
def days_off(rules: tuple[str, ...], year: int) -> frozenset[date]:
    """The public holidays of one year under a region's rules, including a holiday of the next
    year observed in this one (New Year's Day on a Saturday is observed on Friday 31 December:
    a red-team finding of round 27)."""
    both = _rules_days(rules, year) | _rules_days(rules, year + 1)
    return frozenset(day for day in both if day.year == year)


def _rules_days(rules: tuple[str, ...], year: int) -> frozenset[date]:
    """The days the rules give for one year (an observed day may fall in the year before)."""
    found: set[date] = set()
    moved: list[date] = []
    for rule in rules:
        if m := _FIXED.fullmatch(rule):
            day = date(year, int(m[1]), int(m[2]))
            if m[3] == "observed" and day.weekday() >= 5:
                day += timedelta(days=-1 if day.weekday() == 5 else 1)
            elif m[3] == "substitute" and day.weekday() >= 5:
                moved.append(day)
                continue
            found.add(day)
        elif m := _EASTER.fullmatch(rule):
            found.add(easter(year) + timedelta(days=int(m[1] or 0)))
        elif m := _NTH.fullmatch(rule):
            found.add(_nth_weekday(year, int(m[1]), WEEKDAYS.index(m[2]), int(m[3])))
        else:
            raise CatalogError(f"unknown holiday rule {rule!r}")
    for day in sorted(moved):
        found.add(day)  # the day itself is still not a working day
        substitute = day
        while substitute.weekday() >= 5 or substitute in found:
            substitute += timedelta(days=1)
        found.add(substitute)
    return frozenset(found)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def is_day_off(day: date, rules: tuple[str, ...]) -> bool:
    """A Saturday, a Sunday or a public holiday."""
    return day.weekday() >= 5 or day in days_off(rules, day.year)


def next_working_day(day: date, rules: tuple[str, ...]) -> date:
    """The day itself if it is a working day, else the first working day after it."""
    while is_day_off(day, rules):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date, rules: tuple[str, ...]) -> date:
    """The day itself if it is a working day, else the last working day before it."""
    while is_day_off(day, rules):
        day -= timedelta(days=1)
    return day
