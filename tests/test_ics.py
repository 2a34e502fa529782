"""Reminders as an iCalendar file: read back by the independent icalendar parser and by hand."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import icalendar
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from breakup import __version__
from breakup.ics import Reminder, calendar, uid_for

STAMP = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
REMINDERS = [
    Reminder(date(2027, 1, 18), "Check the handover is complete", "Files, keys, logins.", "a/1"),
    Reminder(date(2027, 1, 22), "Check the final invoice has been paid", "", "a/2"),
    Reminder(date(2027, 2, 14), "Ask for a testimonial", "Only if it ended well.", "a/3"),
]
LONG = "Llamar a Núñez, revisar; facturas \\ pendientes. " * 8 + "🙂" * 20
TEXTS = {
    "commas": "one, two, three",
    "semicolons": "one; two; three",
    "backslashes": "C:\\temp\\new \\\\ end\\",
    "escape-lookalikes": "\\n \\N \\, \\; \\\\n",
    "newlines": "first line\nsecond line\n\nfourth\n",
    "colon-quotes-tab": 'Re: "handover"\tdone',
    "accents": "Ferretería Núñez: ¿última factura? ½ ñ ç ü",
    "emoji": "Done 🎉👩‍💻 🇪🇸",
    "long": LONG,
}


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events(data: bytes) -> list[icalendar.Event]:
    return list(parse(data).walk("VEVENT"))


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def logical_lines(data: bytes) -> list[str]:
    """Unfold by hand (RFC 5545 §3.1): a line starting with one space continues the last."""
    lines: list[bytes] = []
    for line in physical_lines(data):
        if line.startswith(b" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return [line.decode("utf-8") for line in lines]


def expected(text: str) -> str:
    """What a TEXT value reads back as: line breaks as LF, no other control character (Cc)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def raw_value(data: bytes, name: str) -> str:
    """Return the escaped value of the first property of this name, read by hand."""
    return next(
        line.split(":", 1)[1]
        for line in logical_lines(data)
        if re.split(r"[;:]", line, maxsplit=1)[0] == name
    )


def assert_calendar_name(data: bytes, name: str) -> None:
    """icalendar leaves X-WR-CALNAME unparsed: check it is escaped exactly as SUMMARY is."""
    data_with_name_as_summary = calendar(
        [Reminder(date(2027, 1, 1), name, "", "k")], name="n", stamp=STAMP
    )
    assert raw_value(data, "X-WR-CALNAME") == raw_value(data_with_name_as_summary, "SUMMARY")
    (event,) = events(data_with_name_as_summary)
    assert str(event["SUMMARY"]) == expected(name)


def assert_well_formed_lines(data: bytes) -> None:
    assert b"\r\n" in data and data.endswith(b"\r\n")
    for line in physical_lines(data):
        assert len(line) <= 75, line
        assert b"\r" not in line and b"\n" not in line, line
        line.decode("utf-8")  # never a UTF-8 sequence cut in two


def test_one_small_calendar_is_exactly_these_bytes() -> None:
    reminder = Reminder(date(2027, 1, 18), "Check the handover", "Keys, logins.", "acme/h")
    data = calendar([reminder], name="Acme", stamp=STAMP, lang="es")
    uid = uid_for("acme/h")
    assert (
        data
        == (
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            f"PRODID:-//breakup//breakup {__version__}//EN\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-CALNAME:Acme\r\n"
            "BEGIN:VEVENT\r\n"
            f"UID:{uid}\r\n"
            "DTSTAMP:20261127T150000Z\r\n"
            "DTSTART;VALUE=DATE:20270118\r\n"
            "DTEND;VALUE=DATE:20270119\r\n"
            "SUMMARY;LANGUAGE=es:Check the handover\r\n"
            "DESCRIPTION;LANGUAGE=es:Keys\\, logins.\r\n"
            "TRANSP:TRANSPARENT\r\n"
            "BEGIN:VALARM\r\n"
            "ACTION:DISPLAY\r\n"
            "TRIGGER;RELATED=START:PT9H\r\n"
            "DESCRIPTION;LANGUAGE=es:Check the handover\r\n"
            "END:VALARM\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n"
        ).encode()
    )


def test_calendar_properties_read_back() -> None:
    data = calendar(REMINDERS, name="Acme, S.L.: follow-up", stamp=STAMP)
    cal = parse(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == f"-//breakup//breakup {__version__}//EN"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert raw_value(data, "X-WR-CALNAME") == "Acme\\, S.L.: follow-up"
    assert_calendar_name(data, "Acme, S.L.: follow-up")


def test_one_all_day_event_per_reminder_in_order() -> None:
    found = events(calendar(REMINDERS, name="Acme", stamp=STAMP))
    assert len(found) == len(REMINDERS)
    for event, reminder in zip(found, REMINDERS, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date
        assert start == reminder.day
        assert end == reminder.day + timedelta(days=1)
        assert str(event["SUMMARY"]) == reminder.summary
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert event.decoded("DTSTAMP") == STAMP
        assert str(event["UID"]) == uid_for(reminder.key)


def test_an_empty_description_is_left_out() -> None:
    found = events(calendar(REMINDERS, name="Acme", stamp=STAMP))
    assert [str(e["DESCRIPTION"]) if "DESCRIPTION" in e else None for e in found] == [
        "Files, keys, logins.",
        None,
        "Only if it ended well.",
    ]


@pytest.mark.parametrize(
    ("day", "next_day"),
    [
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2027, 2, 28), date(2027, 3, 1)),
        (date(2028, 2, 28), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 1)),
        (date(999, 1, 1), date(999, 1, 2)),
    ],
    ids=["year-end", "february", "leap-day-next", "leap-day", "three-digit-year"],
)
def test_the_event_ends_the_next_day(day: date, next_day: date) -> None:
    data = calendar([Reminder(day, "x", "", "k")], name="n", stamp=STAMP)
    (event,) = events(data)
    assert event.decoded("DTSTART") == day
    assert event.decoded("DTEND") == next_day
    assert f"DTEND;VALUE=DATE:{next_day.year:04d}{next_day.month:02d}{next_day.day:02d}" in (
        logical_lines(data)
    )


def test_dtstamp_is_the_stamp_in_utc_to_the_second() -> None:
    madrid = datetime(2026, 11, 27, 16, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))
    data = calendar(REMINDERS, name="Acme", stamp=madrid)
    stamps = [line for line in logical_lines(data) if line.startswith("DTSTAMP")]
    assert stamps == ["DTSTAMP:20261127T150000Z"] * len(REMINDERS)
    assert {e.decoded("DTSTAMP") for e in events(data)} == {STAMP}


def test_uids_are_stable_across_calls_and_distinct_across_keys() -> None:
    first = [str(e["UID"]) for e in events(calendar(REMINDERS, name="Acme", stamp=STAMP))]
    moved = [Reminder(r.day + timedelta(days=7), r.summary + "!", "new", r.key) for r in REMINDERS]
    later = STAMP + timedelta(days=3)
    second = [str(e["UID"]) for e in events(calendar(moved, name="Other", stamp=later))]
    assert first == second
    assert len(set(first)) == len(first)


def test_uid_form() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}@breakup\.invalid", uid_for("acme/late-payer/handover"))
    assert uid_for("acme") == uid_for("acme")
    assert uid_for("acme") != uid_for("acme ")
    assert "Acme" not in uid_for("Acme/handover")


def test_the_same_inputs_give_the_same_bytes() -> None:
    assert calendar(REMINDERS, name="Acme", stamp=STAMP, lang="es") == calendar(
        list(REMINDERS), name="Acme", stamp=STAMP, lang="es"
    )


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_summary_description_and_name_round_trip_exactly(text: str) -> None:
    data = calendar([Reminder(date(2027, 1, 18), text, text, "k")], name=text, stamp=STAMP)
    assert_well_formed_lines(data)
    cal = parse(data)
    (event,) = cal.walk("VEVENT")
    (alarm,) = event.walk("VALARM")
    assert str(event["SUMMARY"]) == text
    assert str(event["DESCRIPTION"]) == text
    assert str(alarm["DESCRIPTION"]) == text
    assert_calendar_name(data, text)


def test_text_is_escaped_per_rfc_5545() -> None:
    text = 'a\\b;c,d\ne:f"g'
    data = calendar([Reminder(date(2027, 1, 18), text, "", "k")], name="n", stamp=STAMP)
    assert 'SUMMARY;LANGUAGE=en:a\\\\b\\;c\\,d\\ne:f"g' in logical_lines(data)


def test_line_breaks_become_newlines_and_control_characters_go() -> None:
    text = "a\r\nb\rc\nd\x00e\x07f\x0bg\x1bh\x7fi\x85j\x9fk\tl"
    data = calendar([Reminder(date(2027, 1, 18), "s", text, "k")], name="n", stamp=STAMP)
    assert re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data) is None
    (event,) = events(data)
    assert str(event["DESCRIPTION"]) == "a\nb\nc\ndefghijk\tl"


@pytest.mark.parametrize(
    "text",
    ["x" * 300, "é" * 200, "🙂" * 100, "a" + "€" * 150, "ab" + "🙂" * 100, " " * 200 + "end"],
    ids=["ascii", "two-octets", "four-octets", "three-octets-offset", "four-offset", "spaces"],
)
def test_lines_fold_at_75_octets_never_inside_a_character(text: str) -> None:
    data = calendar([Reminder(date(2027, 1, 18), text, text, "k")], name=text, stamp=STAMP)
    assert_well_formed_lines(data)
    lines = physical_lines(data)
    assert any(len(line) >= 72 for line in lines)  # folded as late as a character allows
    (event,) = events(data)
    assert str(event["SUMMARY"]) == str(event["DESCRIPTION"]) == text


def test_a_line_of_exactly_75_octets_is_not_folded() -> None:
    prefix = "SUMMARY;LANGUAGE=en:"
    exact = "x" * (75 - len(prefix))
    lines = physical_lines(
        calendar([Reminder(date(2027, 1, 1), exact, "", "k")], name="n", stamp=STAMP)
    )
    assert (prefix + exact).encode() in lines
    over = calendar([Reminder(date(2027, 1, 1), exact + "y", "", "k")], name="n", stamp=STAMP)
    assert (prefix + exact).encode() in physical_lines(over)
    assert b" y" in physical_lines(over)


def test_texts_carry_the_language() -> None:
    (event,) = events(
        calendar(
            [Reminder(date(2027, 1, 1), "Llamar", "Hoy", "k")], name="n", stamp=STAMP, lang="es-ES"
        )
    )
    assert event["SUMMARY"].params["LANGUAGE"] == "es-ES"
    assert event["DESCRIPTION"].params["LANGUAGE"] == "es-ES"


def test_the_alarm_shows_the_summary_at_nine_in_the_morning() -> None:
    for event in events(calendar(REMINDERS, name="Acme", stamp=STAMP)):
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(hours=9)
        assert alarm["TRIGGER"].params["RELATED"] == "START"
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])


# RFC 5545: what each component must hold exactly once (§3.6, §3.6.1, §3.6.6), plus what
# breakup always writes; DESCRIPTION is optional in a VEVENT.
ONCE = {
    "VCALENDAR": {"VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME"},
    "VEVENT": {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "TRANSP"},
    "VALARM": {"ACTION", "TRIGGER", "DESCRIPTION"},
}
AT_MOST_ONCE = {"VCALENDAR": set(), "VEVENT": {"DESCRIPTION"}, "VALARM": set()}


def test_the_raw_lines_nest_and_hold_each_required_property_once() -> None:
    lines = logical_lines(calendar(REMINDERS, name="Acme", stamp=STAMP))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    stack: list[tuple[str, list[str]]] = []
    closed: list[str] = []
    for line in lines:
        name = re.split(r"[;:]", line, maxsplit=1)[0]
        assert re.fullmatch(r"[A-Z][A-Z0-9-]*", name), line
        if name == "BEGIN":
            stack.append((line.removeprefix("BEGIN:"), []))
        elif name == "END":
            component, names = stack.pop()
            assert line == f"END:{component}"
            assert {n for n in names if names.count(n) == 1} >= ONCE[component], component
            assert set(names) <= ONCE[component] | AT_MOST_ONCE[component], component
            assert len(names) == len(set(names)), component
            closed.append(component)
        else:
            assert stack, line
            stack[-1][1].append(name)
    assert stack == []
    assert closed == ["VALARM", "VEVENT"] * len(REMINDERS) + ["VCALENDAR"]
    # No property before the first BEGIN or after the last END, and no empty line.
    assert all(lines)


@pytest.mark.parametrize(
    "summary", ["", " ", "\n\t", "\x00\x07"], ids=["empty", "space", "whitespace", "controls"]
)
def test_a_blank_summary_is_a_value_error(summary: str) -> None:
    with pytest.raises(ValueError, match="empty summary"):
        Reminder(date(2027, 1, 1), summary, "description", "k")


def test_an_empty_key_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="key"):
        Reminder(date(2027, 1, 1), "s", "", "")


def test_a_datetime_day_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="date"):
        Reminder(datetime(2027, 1, 1, 12, 0), "s", "", "k")


@pytest.mark.parametrize(
    ("reminders", "kwargs", "match"),
    [
        ([], {}, "at least one reminder"),
        (REMINDERS + [REMINDERS[0]], {}, "share a UID"),
        (REMINDERS, {"stamp": datetime(2026, 11, 27, 15, 0)}, "timezone-aware"),
        (REMINDERS, {"name": " \n"}, "name"),
        (REMINDERS, {"lang": "en;X-EVIL=1"}, "language tag"),
        (REMINDERS, {"lang": "en\r\nBEGIN:VEVENT"}, "language tag"),
        (REMINDERS, {"lang": ""}, "language tag"),
    ],
    ids=[
        "no-reminders",
        "duplicate-key",
        "naive-stamp",
        "blank-name",
        "lang-param",
        "lang-crlf",
        "lang-empty",
    ],
)
def test_calendar_refuses_bad_arguments(
    reminders: list[Reminder], kwargs: dict[str, object], match: str
) -> None:
    arguments: dict[str, object] = {"name": "Acme", "stamp": STAMP, **kwargs}
    with pytest.raises(ValueError, match=match):
        calendar(reminders, **arguments)  # type: ignore[arg-type]


@given(
    summary=st.text(),
    description=st.text(),
    name=st.text(),
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 30)),
)
@example(summary="a\\n", description="\r\n\r", name="é" * 80, day=date(2027, 1, 1))
@example(summary="🙂" * 40, description=",;\\" * 40, name=" x", day=date(9999, 12, 30))
def test_any_text_and_date_round_trip(summary: str, description: str, name: str, day: date) -> None:
    assume(expected(summary).strip() and expected(name).strip())
    data = calendar([Reminder(day, summary, description, "k")], name=name, stamp=STAMP)
    assert_well_formed_lines(data)
    cal = parse(data)
    assert_calendar_name(data, name)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == expected(summary)
    assert str(event.get("DESCRIPTION", "")) == expected(description)
    assert event.decoded("DTSTART") == day
    assert event.decoded("DTEND") == day + timedelta(days=1)


# --- the UIDs of a client's reminders --------------------------------------------------------


def notes_uids(client: str = "Acme", **facts: object) -> dict[str, str]:
    """The UIDs of the notes' reminders for these facts (client Acme), by summary."""
    from breakup.models import ClientFacts
    from breakup.publish import publish

    data = publish("notes", "late-payer", "ics", lang="en", today=date(2026, 12, 1),
                   facts=ClientFacts(client=client, **facts), now=STAMP).data  # fmt: skip
    return {str(e["SUMMARY"]): str(e["UID"]) for e in events(data)}


ENGAGEMENT = st.tuples(
    st.sampled_from(["Ann Lee", "Bob Ray", "ann  LEE"]),
    st.sampled_from([None, "bookkeeping", "payroll"]),
    st.sampled_from([date(2027, 1, 15), date(2027, 4, 15)]),
)


@settings(deadline=None)  # each example renders a full set of notes
@given(first=ENGAGEMENT, second=ENGAGEMENT)
def test_uids_follow_the_engagement_not_only_the_client(
    first: tuple[str, str | None, date], second: tuple[str, str | None, date]
) -> None:
    """Two engagements with the same client share no UID (importing one never moves the
    other's reminders); the same engagement (up to case and spaces) keeps its UIDs."""
    one, two = (
        notes_uids(contact=contact, service=service, end_date=end)
        for contact, service, end in (first, second)
    )

    def same(engagement: tuple[str, str | None, date]) -> tuple[str, str, date]:
        contact, service, end = engagement
        return " ".join(contact.split()).casefold(), service or "", end

    if same(first) == same(second):
        assert one == two
    else:
        assert not set(one.values()) & set(two.values())


def test_clients_whose_names_differ_only_in_punctuation_share_no_uid() -> None:
    """A red-team finding: the key folded the client's name to a file name, so "Smith & Co"
    and "Smith Co" (same contact, service and end date) moved each other's reminders."""
    facts = {"contact": "Ann", "service": "bookkeeping", "end_date": date(2027, 1, 15)}
    amp, plain = notes_uids("Smith & Co", **facts), notes_uids("Smith Co", **facts)
    assert not set(amp.values()) & set(plain.values())
    assert sorted(notes_uids("smith  &  CO", **facts).values()) == sorted(amp.values())


def test_uids_stay_when_only_the_amounts_change() -> None:
    from decimal import Decimal

    facts = {"contact": "Ann", "service": "bookkeeping", "end_date": date(2027, 1, 15)}
    before = notes_uids(**facts, outstanding=Decimal(5))
    after = notes_uids(**facts, outstanding=Decimal(900))
    assert before == after


def test_the_notes_reminders_carry_the_facts_language_and_region() -> None:
    """render.reminders: the dates come from the facts, the texts from the language and the
    register, the holidays from the region; the calendar's name is the notes' title."""
    from breakup.models import ClientFacts
    from breakup.render import reminders

    facts = ClientFacts(client="Acme", contact="Ann Lee", end_date=date(2027, 3, 23),
                        final_invoice=Decimal(500))  # fmt: skip
    today = date(2027, 1, 4)
    es, name = reminders("diva", facts=facts, lang="es", locale="es_ES", today=today)
    assert name == "Notas de seguimiento: Acme"
    days = [e.day for e in es]
    assert days == sorted(days) and date(2027, 3, 23) in days  # the last day itself
    assert date(2027, 3, 26) not in days  # Viernes Santo: the handover check moves past it
    assert any(e.summary == "Acme: último día" for e in es)
    assert all(e.description and e.key.startswith("acme/ann lee/") for e in es)
    us, _name = reminders("diva", facts=facts, lang="en", locale="en_US", today=today)
    assert date(2027, 3, 26) in [e.day for e in us]  # no holiday in the US
    assert {e.key for e in us} == {
        e.key for e in es
    }  # a calendar's UIDs are the same in any language
    informal, _name = reminders("diva", facts=facts, lang="es", locale="es_ES",
                                register="informal", today=today)  # fmt: skip
    assert [e.day for e in informal] == days
    other, _name = reminders("diva", facts=ClientFacts(client="Acme"), lang="en",
                             today=date(2027, 1, 4))  # fmt: skip
    assert {e.day for e in other} != set(days)  # no end date: the reminders count from today


def test_the_reminders_defaults_are_english_in_the_us_from_today_for_any_client() -> None:
    """render.reminders with only the archetype and the facts: English texts as the notes
    write them (plain text, an apostrophe kept), every kind in order, and, with no facts at
    all, dates counted from `today` and UIDs under "client"."""
    from breakup.models import ClientFacts, Invoice
    from breakup.render import reminders

    facts = ClientFacts(client="Acme", contact="Ann Lee", end_date=date(2027, 3, 23),
                        invoices=(Invoice("A-1", Decimal(300), date(2026, 12, 1)),),
                        final_invoice=Decimal(500))  # fmt: skip
    events, name = reminders("late-payer", facts=facts, today=date(2027, 1, 4))
    assert name == "Follow-up notes: Acme"
    assert [(e.day, e.summary) for e in events] == [
        (date(2027, 3, 9), "Acme: prepare the handover"),
        (date(2027, 3, 23), "Acme: the last day"),
        (date(2027, 3, 24), "Acme: check the overdue payment"),
        (date(2027, 3, 26), "Acme: check the handover"),
        (date(2027, 4, 7), "Acme: check the final payment"),
        (date(2027, 4, 22), "Acme: close the file"),
    ]
    assert events[2].description == (
        "Check that the overdue balance has been paid. If it hasn't, follow up in writing."
    )
    assert events[0].key == "acme/ann lee//2027-03-23/late-payer/prepare"
    bare, _name = reminders("late-payer", facts=ClientFacts(), today=date(2027, 1, 4))
    assert [(e.day, e.key) for e in bare] == [
        (date(2027, 1, 7), "client////late-payer/handover"),
        (date(2027, 2, 3), "client////late-payer/close"),
    ]
