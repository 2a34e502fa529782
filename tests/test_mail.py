"""The .eml draft builder: header values stay literal text, bodies come back byte for byte,
addresses are strict. Python's email package is the independent reader throughout."""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from breakup import chars
from breakup.cli import cli
from breakup.errors import InputError
from breakup.mail import build_draft, message_id, parse_address

NOW = datetime(2027, 1, 15, 9, 30, 5, tzinfo=timezone(timedelta(hours=1)))
ATTACK = "=?utf-8?q?=0D=0ABcc:_someone@example.com?="
HEADERS = set("From To Subject Date Message-ID X-Unsent MIME-Version Content-Type".split())
SENDER = "maria@estudiolumen.es"
CLIENT = "laura@ferreterianunez.es"


def draft(**values: Any) -> bytes:
    """A draft of a short email, with any of its values replaced."""
    given_values: dict[str, Any] = {
        "subject": "End of our collaboration",
        "text": "Dear Laura,\n\nThank you.\n",
        "html": "<p>Dear Laura,</p>\n<p>Thank you.</p>\n",
        "sender_name": "María Fernández",
        "sender_email": SENDER,
        "to_name": "Laura Gómez",
        "to_email": CLIENT,
        "now": NOW,
    }
    return build_draft(**{**given_values, **values})


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


# Invisible characters leave a header, as they leave the documents.
INVISIBLE = re.compile(f"[{chars.INVISIBLE}]")


def literal(value: str) -> str:
    """What a header value must read back as: no invisible character; each control (C0,
    DEL, C1) or whitespace character (line breaks, U+2028, no-break and other spaces) a
    space, each run of spaces one space, no space at either end."""
    value = INVISIBLE.sub("", value)
    value = "".join(" " if c.isspace() or unicodedata.category(c) == "Cc" else c for c in value)
    return re.sub(" +", " ", value).strip(" ")


def display_name(message: EmailMessage, field: str) -> str:
    """Read the display name of an address header as RFC 2047 says to.

    Python's address parser reads it, except that before CPython gh-128110 it reads a
    space between two encoded words of a display name, where RFC 2047 (6.2) says the
    whitespace is no text. Encoded words are then read by its unstructured-header parser,
    which follows 6.2, and the two readings must agree on everything but spaces.
    """
    parsed = message[field].addresses[0].display_name
    raw = "".join(dict(message.raw_items())[field].splitlines())
    phrase = raw.rpartition("<")[0].strip()
    if not phrase.startswith("=?"):
        return str(parsed)
    decoded = str(email.policy.default.header_factory("X", phrase))
    assert decoded.replace(" ", "") == parsed.replace(" ", "")
    return decoded


def header_lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


# --- 1. an encoded word in a value is text, not an instruction to the reader ---


@pytest.mark.parametrize("field", ["subject", "sender_name", "to_name"])
def test_a_value_that_looks_like_an_encoded_word_reads_back_as_that_text(field: str) -> None:
    message = parse(draft(**{field: ATTACK}))
    assert sorted(message.keys()) == sorted(HEADERS)  # no Bcc, nothing twice
    assert len(message["To"].addresses) == len(message["From"].addresses) == 1
    assert message["To"].addresses[0].addr_spec == CLIENT
    read = {
        "subject": str(message["Subject"]),
        "sender_name": display_name(message, "From"),
        "to_name": display_name(message, "To"),
    }
    assert read[field] == ATTACK


@pytest.mark.parametrize("field", ["subject", "sender_name", "to_name"])
def test_a_line_break_in_a_value_becomes_a_space(field: str) -> None:
    message = parse(draft(**{field: "Ana\r\nBcc: someone@example.com\u2028\x85X-Evil: 1"}))
    assert sorted(message.keys()) == sorted(HEADERS)
    read = {
        "subject": str(message["Subject"]),
        "sender_name": display_name(message, "From"),
        "to_name": display_name(message, "To"),
    }
    assert read[field] == "Ana Bcc: someone@example.com X-Evil: 1"


# --- 2. any text as a subject or a name ---

FRAGMENTS = ["=?", "?=", "utf-8", "?q?", "?B?", "=0D=0A", "_", " ", "  ", "\r\n", "\n", "\t"]
FRAGMENTS += ["Bcc:", '"', "\\", "<", ">", ",", ";", "@", "(", ")", ".", "ñ", "😀", "中文"]
FRAGMENTS += ["\u2028", "\x85", "\x00", "\x7f", "\xa0", "\u3000", "\u200b", "\ufeff", "x" * 80]
HEADER_TEXT = st.one_of(
    st.text(max_size=3000),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=120).map("".join),
)
LONG = [
    "x" * 3000,
    "ñ" * 3000,
    "😀" * 1000,
    "中文" * 800,
    "a " * 1500,
    "y" * 69 + " z",  # a plain subject's first line 78 characters long
    "y" * 70 + " z",  # one more: encoded
    ATTACK * 40,
    '"' * 100 + "\\" * 100,
    "María José Fernández de la Fuente y Núñez-Ortega " * 20,
]


def assert_reads_back(subject: str, sender_name: str, to_name: str) -> None:
    data = draft(subject=subject, sender_name=sender_name, to_name=to_name)
    assert data.isascii()
    assert b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert max(len(line) for line in header_lines(data)) <= 78
    message = parse(data)
    assert sorted(message.keys()) == sorted(HEADERS)
    assert all(message[key].defects == () for key in HEADERS)
    assert str(message["Subject"]) == literal(subject)
    assert display_name(message, "From") == literal(sender_name)
    assert display_name(message, "To") == literal(to_name)
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["To"].addresses[0].addr_spec == CLIENT


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=HEADER_TEXT, sender_name=HEADER_TEXT, to_name=HEADER_TEXT)
@example(subject="", sender_name="", to_name="")
@example(subject=" \r\n\t ", sender_name="\u2028", to_name="\x85\x00")
@example(subject="End of our collaboration", sender_name="Dr. Ana Carter", to_name='A "B" \\C')
def test_any_text_reads_back_as_given_in_lines_that_fit(
    subject: str, sender_name: str, to_name: str
) -> None:
    assert_reads_back(subject, sender_name, to_name)


@pytest.mark.parametrize("value", LONG, ids=range(len(LONG)))
def test_long_text_reads_back_as_given_in_lines_that_fit(value: str) -> None:
    assert_reads_back(value, value, value)


def test_a_plain_subject_is_written_as_it_is_and_folded_at_spaces() -> None:
    """A draft stays readable in a text editor; only text that needs it is encoded."""
    first_line = "End of our collaboration on the website redesign project for Acme"
    subject = first_line + " Corp in 2027"
    data = draft(subject=subject, sender_name="Dr. Ana Carter", to_name="Laura Smith")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert f"\r\nSubject: {first_line}\r\n Corp in 2027\r\n".encode() in head
    assert b'From: "Dr. Ana Carter" <maria@estudiolumen.es>\r\n' in head
    assert b"To: Laura Smith <laura@ferreterianunez.es>\r\n" in head
    assert str(parse(data)["Subject"]) == subject


def test_long_addresses_fold_where_rfc_5322_allows() -> None:
    """Header lines fit 78 characters, but an address longer than a line: it is alone on its
    line, unfolded (RFC 5322 advises no folding inside one), far below 998; the Message-ID
    always fits."""
    local = "b" * 64
    domain = ".".join(["a" * 60] * 3) + ".com"
    address = f"{local}@{domain}"
    data = draft(sender_email=address, to_email=address, to_name="Laura " * 30)
    lines = header_lines(data)
    for line in lines:
        assert len(line) <= 78 or line == f" <{address}>".encode(), line
    assert sum(len(line) > 78 for line in lines) == 2  # From's and To's address
    message = parse(data)
    assert message["To"].addresses[0].addr_spec == address
    assert message["From"].addresses[0].addr_spec == address
    assert re.fullmatch(r"<[0-9a-f]{32}@breakup\.invalid>", message["Message-ID"])
    assert all(message[key].defects == () for key in HEADERS)


def test_a_long_name_is_cut_between_words() -> None:
    """Readers that (wrongly) read a space between encoded words then split no word."""
    name = "María José Fernández de la Fuente y Núñez-Ortega " * 3
    words = parse(draft(to_name=name))["To"].addresses[0].display_name.split()
    assert words == name.split()


# --- 3. bodies ---

BODIES = [
    "",
    "Dear Laura,\n\nThank you.\n",
    "no final line break",
    "x" * 5000,
    "ñ" * 5000,
    "😀" * 2000 + "\n" + "a" * 5000 + "\n",
    "trailing spaces   \ntrailing tab\t\n \n\t",
    ".\n..\n.",
    "a\r\nb\rc\r",
    "From the start\n>From a quote\n",
    "=_breakup and --=_breakup_4c7e19a2b85d3f60-- =0D=0A =\n=",
    "\u2028\u2029\x85\x00\x0b\x0c\x1b",
    "<p>" + "é" * 4000 + "</p>\n",
]


def assert_body(part: EmailMessage, text: str) -> None:
    # MIME text ends its lines with CRLF: each line break of the text comes back as CRLF,
    # and every other byte as it was.
    assert part.get_content_charset() == "utf-8"
    assert part.get_payload(decode=True) == text.encode().replace(b"\n", b"\r\n")
    assert part.get_content().replace("\r\n", "\n") == text


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_text_and_html_bodies_read_back_byte_for_byte(body: str) -> None:
    data = draft(text=body, html=body[::-1])
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = parse(data)
    assert_body(message.get_body(("plain",)), body)
    assert_body(message.get_body(("html",)), body[::-1])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=6000), html=st.text(max_size=6000))
def test_any_body_reads_back_byte_for_byte_in_short_lines(text: str, html: str) -> None:
    data = draft(text=text, html=html)
    assert data.isascii()
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = parse(data)
    assert_body(message.get_body(("plain",)), text)
    assert_body(message.get_body(("html",)), html)


def test_without_html_the_draft_is_a_single_text_part() -> None:
    message = parse(draft(text="Only text, ñ.\n", html=None))
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    assert_body(message, "Only text, ñ.\n")


# --- 4. addresses ---

VALID = [
    ("ana@example.com", "ana@example.com"),
    ("ana.garcia+clientes@mail.example.co.uk", "ana.garcia+clientes@mail.example.co.uk"),
    ("o'brien_1@x-y.example.com", "o'brien_1@x-y.example.com"),
    ("Ana@Example.COM", "Ana@example.com"),
    ("  ana@example.com ", "ana@example.com"),
    ("ana@123.example.com", "ana@123.example.com"),
    ("ana@münchen.de", "ana@xn--mnchen-3ya.de"),
    ("ana@MÜNCHEN.de", "ana@xn--mnchen-3ya.de"),
    ("ana@xn--mnchen-3ya.de", "ana@xn--mnchen-3ya.de"),
]


@pytest.mark.parametrize(("value", "expected"), VALID, ids=[v for v, _ in VALID])
def test_valid_addresses_are_normalized(value: str, expected: str) -> None:
    assert parse_address(value, "--client-email") == expected


INVALID = [
    "a@x..com",
    ".a@x.com",
    "a.@x.com",
    "a..b@x.com",
    "a@-x.com",
    "a@x-.com",
    "a@x",
    "a@x.123",
    "a@x_y.com",
    "a b@x.com",
    "<a@x.com>",
    "Ana <a@x.com>",
    '"a"@x.com',
    "a(comment)@x.com",
    "a@x.com (Ana)",
    "a@x.com\nBcc: b@y.com",
    "a@x.com,b@y.com",
    "a@b@x.com",
    "a@[192.0.2.1]",
    "a@",
    "@x.com",
    "",
    "a@" + "x" * 64 + ".com",
    "x" * 65 + "@x.com",
    "=?utf-8?q?=0D=0ABcc=3A_b=40y.com?=@x.com",  # a dot-atom, and an encoded word to readers
    "a@mü..de",
]


@pytest.mark.parametrize("value", INVALID, ids=[repr(v)[:40] for v in INVALID])
def test_invalid_addresses_are_refused_with_the_fix(value: str) -> None:
    message = f"invalid email address {value!r} for --client-email: use the form name@example.com"
    with pytest.raises(InputError, match=re.escape(message)):
        parse_address(value, "--client-email")


def test_a_non_ascii_local_part_is_refused_with_the_reason() -> None:
    with pytest.raises(InputError) as error:
        parse_address("josé@example.com", "--client-email")
    assert str(error.value) == (
        "email address 'josé@example.com' for --client-email has non-ASCII letters before the"
        " @: mail clients cannot reliably send to such an address from a draft; use the"
        " person's ASCII address"
    )


def test_a_domain_idna_versions_write_differently_is_refused() -> None:
    """IDNA 2003 (Python's codec) writes straße.de as strasse.de, another domain."""
    with pytest.raises(InputError, match="xn--"):
        parse_address("ana@straße.de", "--client-email")


def test_the_draft_writes_the_ascii_form_of_a_domain() -> None:
    message = parse(draft(sender_email="maria@münchen.de", to_email="ana@Ejemplo.ES"))
    assert message["From"].addresses[0].addr_spec == "maria@xn--mnchen-3ya.de"
    assert message["To"].addresses[0].addr_spec == "ana@ejemplo.es"
    assert message["Message-ID"].endswith("@xn--mnchen-3ya.de>")


def test_the_draft_refuses_an_invalid_address() -> None:
    with pytest.raises(InputError, match="'a@x..com' for --client-email"):
        draft(to_email="a@x..com")
    with pytest.raises(InputError, match="for the sender's email"):
        draft(sender_email="maria@estudiolumen")


def test_the_cli_refuses_a_non_ascii_local_part_up_front() -> None:
    result = CliRunner().invoke(cli, ["email", "diva", "--client-email", "zoë@ejemplo.es"])
    assert result.exit_code == 2
    assert "non-ASCII letters before the @" in result.output


# --- 5. headers left for the user ---


@pytest.mark.parametrize(
    ("sender", "to", "expected"),
    [("", CLIENT, {"To"}), (SENDER, "", {"From"}), ("", "", set())],
    ids=["no-sender", "no-recipient", "neither"],
)
def test_an_empty_address_leaves_its_header_out(sender: str, to: str, expected: set[str]) -> None:
    message = parse(draft(sender_email=sender, to_email=to))
    assert sorted(message.keys()) == sorted(HEADERS - {"From", "To"} | expected)
    if not sender:
        assert message["Message-ID"].endswith("@breakup.invalid>")


# --- 6. a draft that opens as a draft ---


def test_the_draft_is_unsent_and_offers_text_then_html() -> None:
    data = draft()
    message = parse(data)
    assert message["X-Unsent"] == "1"
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert message["From"].addresses[0].display_name == "María Fernández"
    assert message["To"].addresses[0].display_name == "Laura Gómez"
    assert message.defects == [] and all(p.defects == [] for p in parts)


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2027, 12, 5, 7, 8, 9, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        datetime(2027, 6, 1, 12, 0),
    ],
    ids=["plus-one", "utc", "minus-three-thirty", "naive"],
)
def test_the_date_is_written_as_rfc_5322_says(now: datetime) -> None:
    data = draft(now=now)
    assert f"\r\nDate: {format_datetime(now)}\r\n".encode() in data
    assert parse(data)["Date"].datetime.replace(tzinfo=now.tzinfo) == now


def test_message_ids_are_unique_and_for_the_domain() -> None:
    ids = {message_id("münchen.de") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"<[0-9a-f]{32}@xn--mnchen-3ya\.de>", i) for i in ids)
    with pytest.raises(InputError, match="invalid domain"):
        message_id("example.com>\r\nBcc: a@b.c")


def test_a_given_message_id_makes_the_draft_repeatable() -> None:
    mid = message_id("estudiolumen.es")
    assert draft(message_id=mid) == draft(message_id=mid)
    assert parse(draft(message_id=mid))["Message-ID"] == mid
    with pytest.raises(InputError, match="invalid Message-ID"):
        draft(message_id="<a@b.c>\r\nBcc: x@y.z")
