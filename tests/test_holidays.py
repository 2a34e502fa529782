"""Public holidays: breakup's own dates avoid them, and a date the user gives on one is named."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from conftest import FACTS, TODAY
from hypothesis import given
from hypothesis import strategies as st

from breakup import holidays, languages
from breakup.errors import InputError
from breakup.models import ClientFacts, Profile
from breakup.render import render


def rules(locale: str) -> tuple[str, ...]:
    lang, region = locale.split("_")
    return languages.language(lang).region(region).holidays


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)),
     (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))],
)  # fmt: skip
def test_easter_sunday(year: int, sunday: date) -> None:
    assert holidays.easter(year) == sunday


@given(st.integers(min_value=1583, max_value=4099))
def test_easter_agrees_with_an_independent_computus(year: int) -> None:
    """dateutil (installed with icalendar, a test dependency) computes it another way."""
    from dateutil.easter import easter

    assert holidays.easter(year) == easter(year)


@pytest.mark.parametrize(
    ("year", "month", "weekday", "nth", "expected"),
    [
        (2027, 1, 0, 3, date(2027, 1, 18)),  # third Monday of a month that starts on a Friday
        (2027, 5, 0, -1, date(2027, 5, 31)),  # last Monday, on the month's last day
        (2027, 2, 0, 1, date(2027, 2, 1)),  # first Monday, on the month's first day
        (2026, 11, 3, 4, date(2026, 11, 26)),  # fourth Thursday
        (2027, 12, 0, -1, date(2027, 12, 27)),  # last Monday of December (year boundary)
        (2028, 2, 1, -1, date(2028, 2, 29)),  # last Tuesday of a leap February
    ],
)
def test_the_nth_weekday_of_a_month(year: int, month: int, weekday: int, nth: int,
                                    expected: date) -> None:  # fmt: skip
    assert holidays._nth_weekday(year, month, weekday, nth) == expected


@pytest.mark.parametrize(
    ("locale", "day"),
    [
        ("en_US", date(2027, 1, 18)),  # Martin Luther King Jr. Day, third Monday of January
        ("en_US", date(2027, 2, 15)),  # Presidents' Day
        ("en_US", date(2027, 7, 5)),  # Independence Day, a Sunday, observed on the Monday
        ("en_US", date(2027, 12, 24)),  # Christmas, a Saturday, observed on the Friday
        ("en_US", date(2027, 11, 25)),  # Thanksgiving, fourth Thursday of November
        ("en_GB", date(2027, 3, 29)),  # Easter Monday
        ("en_GB", date(2027, 12, 27)),  # Christmas, a Saturday: substitute Monday
        ("en_GB", date(2027, 12, 28)),  # Boxing Day, a Sunday: substitute Tuesday
        ("es_ES", date(2027, 3, 26)),  # Viernes Santo
        ("es_ES", date(2027, 10, 12)),  # Fiesta Nacional
        ("es_MX", date(2027, 2, 1)),  # Día de la Constitución, first Monday of February
        ("es_MX", date(2027, 9, 16)),  # Independencia
    ],
)
def test_a_national_holiday_is_a_day_off(locale: str, day: date) -> None:
    assert holidays.is_day_off(day, rules(locale))
    assert not holidays.is_day_off(day + timedelta(days=7 if day.weekday() < 4 else 14),
                                   rules(locale)) or day.month == 12  # fmt: skip


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31)),
       st.sampled_from(["en_US", "en_GB", "es_ES", "es_MX"]))  # fmt: skip
def test_the_working_day_after_and_before_are_working_days(day: date, locale: str) -> None:
    after = holidays.next_working_day(day, rules(locale))
    before = holidays.previous_working_day(day, rules(locale))
    assert before <= day <= after
    assert not holidays.is_day_off(after, rules(locale))
    assert not holidays.is_day_off(before, rules(locale))
    assert (after == day) == (before == day) == (not holidays.is_day_off(day, rules(locale)))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en_US", "Friday, March 26, 2027"),  # no holiday
        ("en_GB", "Tuesday 30 March 2027"),  # past Good Friday and Easter Monday
        ("es_ES", "lunes 29 de marzo de 2027"),  # past Viernes Santo (Easter Monday is regional)
    ],
)
def test_the_handover_check_skips_the_regions_holidays(
    profile: Profile, locale: str, expected: str
) -> None:
    """The handover check falls 3 days after the end: Tuesday March 23 + 3 = Good Friday."""
    facts = dataclasses.replace(FACTS, end_date=date(2027, 3, 23))
    doc = render("notes", "diva", facts=facts, profile=profile, lang=locale[:2], locale=locale,
                 today=TODAY)  # fmt: skip
    check = [line for line in doc.body.splitlines() if line.startswith("- ") and (
        "handover is complete" in line or "traspaso está completo" in line)]  # fmt: skip
    assert len(check) == 1 and check[0].startswith(f"- {expected} ")


def test_a_date_the_user_gives_on_a_holiday_is_named(profile: Profile) -> None:
    facts = dataclasses.replace(FACTS, end_date=date(2027, 3, 26))  # Good Friday
    es = render(
        "email", "diva", facts=facts, profile=profile, lang="es", locale="es_ES", today=TODAY
    )
    us = render(
        "email", "diva", facts=facts, profile=profile, lang="en", locale="en_US", today=TODAY
    )
    assert any("2027-03-26 is a public holiday" in w for w in es.warnings)
    assert not any("public holiday" in w for w in us.warnings)


def test_the_call_leaves_two_weeks_to_pay(profile: Profile) -> None:
    """With an overdue balance due before the end, the call is held two weeks before it."""
    facts = dataclasses.replace(FACTS, end_date=date(2027, 3, 31), pay_by=date(2027, 1, 29),
                                notice_days=45)  # fmt: skip
    script = render("script", "late-payer", facts=facts, profile=profile, lang="en", today=TODAY)
    assert ("Hold this call by Friday, January 15, 2027, to leave at least two weeks before the "
            "payment deadline of January 29.") in script.body  # fmt: skip
    later = dataclasses.replace(facts, pay_by=date(2027, 3, 26))
    script = render("script", "late-payer", facts=later, profile=profile, lang="en", today=TODAY)
    assert (
        "Hold the call, and send the confirming email, by Friday, February 12, 2027: the "
        "contract requires 45 days' notice."
    ) in (script.body)


def test_an_unknown_holiday_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown holiday rule '13-45x'"):
        holidays.check(("13-45x",))


@pytest.mark.parametrize(
    ("phone", "subdivision", "expected", "note"),
    [
        # End Monday 27 November 2028 + 3 days = Thursday 30, St Andrew's Day: off in Scotland
        # only.
        ("0131 496 0358", None, "Friday 1 December 2028", "Scottish bank holidays"),
        ("+44 131 496 0358", None, "Friday 1 December 2028", "Scottish bank holidays"),
        ("07700 900123", "SCT", "Friday 1 December 2028", "Scottish bank holidays"),
        ("07700 900123", None, "Thursday 30 November 2028", "England and Wales"),
        ("028 9049 6358", None, "Thursday 30 November 2028", "Northern Ireland bank holidays"),
    ],
)
def test_a_british_sender_gets_the_bank_holidays_of_their_nation(
    profile: Profile, phone: str, subdivision: str | None, expected: str, note: str
) -> None:
    """The nation comes from the profile's [defaults] subdivision, else the phone's area code."""
    sender = dataclasses.replace(profile.sender, phone=phone)
    defaults = dataclasses.replace(profile.defaults, subdivision=subdivision)
    mine = dataclasses.replace(profile, sender=sender, defaults=defaults)
    facts = dataclasses.replace(FACTS, end_date=date(2028, 11, 27))
    doc = render("notes", "diva", facts=facts, profile=mine, lang="en", locale="en_GB",
                 today=TODAY)  # fmt: skip
    check = [line for line in doc.body.splitlines() if "handover is complete" in line]
    assert len(check) == 1 and check[0].startswith(f"- {expected} ")
    assert note in doc.body


def test_a_nations_holidays_replace_the_regions() -> None:
    gb = languages.language("en").region("GB")
    scotland, ulster = gb.within("SCT").holidays, gb.within("nir").holidays
    assert date(2027, 1, 4) in holidays.days_off(scotland, 2027)  # 2 January, a Saturday
    assert date(2027, 3, 29) not in holidays.days_off(scotland, 2027)  # no Easter Monday
    assert date(2027, 8, 2) in holidays.days_off(scotland, 2027)  # first Monday of August
    assert date(2027, 3, 17) in holidays.days_off(ulster, 2027)  # St Patrick's Day
    assert date(2027, 7, 12) in holidays.days_off(ulster, 2027)
    assert date(2027, 7, 12) not in holidays.days_off(gb.holidays, 2027)


def test_an_unknown_subdivision_is_named_with_the_known_ones(profile: Profile) -> None:
    mine = dataclasses.replace(
        profile, defaults=dataclasses.replace(profile.defaults, subdivision="WLS")
    )
    with pytest.raises(
        InputError,
        match=r"unknown subdivision 'WLS' for GB .*: use one of SCT, NIR, or leave it out for the "
        r"rest of GB",
    ):
        render("notes", "diva", facts=FACTS, profile=mine, lang="en", locale="en_GB", today=TODAY)
    # A region without nations leaves the setting alone: a profile serves several locales.
    render("notes", "diva", facts=FACTS, profile=mine, lang="en", locale="en_US", today=TODAY)


@pytest.mark.parametrize("year", [2021, 2027, 2032])
def test_new_years_day_on_a_saturday_is_observed_on_the_friday_before(year: int) -> None:
    """A red-team finding of round 27: Friday 31 December 2027 (New Year's Day 2028 observed)
    was a working day, and a Saturday 1 January end date moved onto it."""
    assert date(year, 12, 31) in holidays.days_off(rules("en_US"), year)
    doc = render("email", "diva", facts=ClientFacts(end_date=date(year + 1, 1, 1)), lang="en",
                 locale="en_US", today=date(year, 11, 1))  # fmt: skip
    assert any(f"the documents use {year}-12-30" in w for w in doc.warnings), doc.warnings
