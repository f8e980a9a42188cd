"""The X12 envelope (ISA/GS/ST ... SE/GE/IEA): a writer and a strict reader.

X12 has no escape character: a separator inside a value cannot be written. The writer refuses
such a value (``X12Error``); mapping code decides beforehand what free text becomes
(``plain_text``) and refuses identifiers that contain a separator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

Segment = tuple[str, ...]  # the segment id, then its elements (element 1 is index 1)

MAX_CONTROL_NUMBER = 999_999_999


class X12Error(ValueError):
    """A document that breaks the X12 rules (reading) or a value that cannot be written."""


@dataclass(frozen=True)
class Separators:
    element: str = "*"
    sub_element: str = ">"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = (self.element, self.sub_element, self.segment)
        if any(len(c) != 1 for c in chars) or len(set(chars)) != 3:
            raise X12Error("The three separators must be three different single characters.")
        if any(c.isalnum() or c == " " for c in chars):
            raise X12Error("A separator cannot be a letter, a digit or a space.")

    @property
    def all(self) -> str:
        return self.element + self.sub_element + self.segment


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom (ISA and GS), the usage indicator and the version."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    application_sender: str
    application_receiver: str
    usage: str = "P"  # "T" test, "P" production
    version: str = "004010"
    acknowledgement_requested: bool = True

    def reversed(self) -> Envelope:
        """The envelope of an answer: sender and receiver swapped."""
        return Envelope(
            self.receiver_qualifier,
            self.receiver_id,
            self.sender_qualifier,
            self.sender_id,
            self.application_receiver,
            self.application_sender,
            self.usage,
            self.version,
            False,
        )


@dataclass(frozen=True)
class Transaction:
    set_id: str  # "850", "997", ...
    control_number: str
    segments: tuple[Segment, ...]  # between ST and SE, both excluded


@dataclass(frozen=True)
class Group:
    functional_id: str  # "PO", "FA", "PR", "SH", "IN"
    control_number: int
    application_sender: str
    application_receiver: str
    version: str
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True)
class Interchange:
    control_number: int
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    usage: str
    separators: Separators
    groups: tuple[Group, ...] = field(default=())

    @property
    def transactions(self) -> list[tuple[Group, Transaction]]:
        return [(group, t) for group in self.groups for t in group.transactions]


FUNCTIONAL_IDS = {"850": "PO", "997": "FA", "855": "PR", "856": "SH", "810": "IN"}


def plain_text(value: str, separators: Separators, max_length: int) -> str:
    """Free text as X12 can carry it: ASCII, no control characters or separators, trimmed."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(
        " " if (c in separators.all or not c.isprintable()) else c for c in ascii_text
    )
    return " ".join(cleaned.split())[:max_length].strip()


def check_value(value: str, separators: Separators, what: str = "A value") -> str:
    """A value written as it is: refused if it holds a separator or a non-printable character."""
    bad = next((c for c in value if c in separators.all), None)
    if bad is not None:
        raise X12Error(f"{what} {value!r} contains the separator {bad!r}.")
    if not value.isascii() or not value.isprintable():
        raise X12Error(f"{what} {value!r} has characters X12 cannot carry.")
    return value


def _segment_text(segment: Segment, separators: Separators) -> str:
    for value in segment:
        check_value(value, separators, f"{segment[0]} value")
    elements = list(segment)
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()  # trailing empty elements are left out
    return separators.element.join(elements) + separators.segment


def _isa_id(value: str, what: str) -> str:
    if not 1 <= len(value) <= 15:
        raise X12Error(f"{what} must be 1 to 15 characters.")
    return value.ljust(15)


def write_interchange(
    envelope: Envelope,
    separators: Separators,
    control_number: int,
    at: datetime,
    transactions: Sequence[tuple[str, Sequence[Segment]]],
    *,
    newline: bool = True,
) -> str:
    """One interchange with one functional group of ``transactions`` (set id, segments).

    Interchange, group and transaction control numbers all derive from ``control_number``
    (unique and increasing per trading partner), so none is ever reused."""
    if not 1 <= control_number <= MAX_CONTROL_NUMBER:
        raise X12Error("Control numbers run from 1 to 999999999.")
    if not transactions:
        raise X12Error("An interchange needs at least one transaction.")
    set_ids = {set_id for set_id, _ in transactions}
    if len(set_ids) != 1:
        raise X12Error("One group carries one kind of transaction.")
    functional_id = FUNCTIONAL_IDS[next(iter(set_ids))]
    version = envelope.version
    isa: Segment = (
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier.ljust(2),
        _isa_id(envelope.sender_id, "The ISA sender id"),
        envelope.receiver_qualifier.ljust(2),
        _isa_id(envelope.receiver_id, "The ISA receiver id"),
        at.strftime("%y%m%d"),
        at.strftime("%H%M"),
        "U",
        version[:5],
        f"{control_number:09d}",
        "1" if envelope.acknowledgement_requested else "0",
        envelope.usage,
        separators.sub_element,
    )
    for value in isa[1:16]:  # ISA16 is the sub-element separator itself
        check_value(value, separators, "ISA value")
    lines = [
        separators.element.join(isa) + separators.segment,  # fixed width: never trimmed
        _segment_text(
            (
                "GS",
                functional_id,
                envelope.application_sender,
                envelope.application_receiver,
                at.strftime("%Y%m%d"),
                at.strftime("%H%M"),
                str(control_number),
                "X",
                version,
            ),
            separators,
        ),
    ]
    for index, (set_id, segments) in enumerate(transactions, start=1):
        st_control = f"{index:04d}"
        body = [("ST", set_id, st_control), *segments, ("SE", "", st_control)]
        body[-1] = ("SE", str(len(body)), st_control)
        lines.extend(_segment_text(segment, separators) for segment in body)
    lines.append(_segment_text(("GE", str(len(transactions)), str(control_number)), separators))
    lines.append(_segment_text(("IEA", "1", f"{control_number:09d}"), separators))
    between = "\n" if newline and separators.segment not in "\r\n" else ""
    return between.join(lines) + between


# Reading --------------------------------------------------------------------------------------

ISA_LENGTH = 106  # "ISA" + 16 elements of fixed widths + 16 element separators + terminator
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)


def _separators(text: str) -> Separators:
    if not text.startswith("ISA") or len(text) < ISA_LENGTH:
        raise X12Error("The file does not start with an ISA segment.")
    element, sub_element, segment = text[3], text[104], text[105]
    try:
        return Separators(element, sub_element, segment)
    except X12Error as error:
        raise X12Error(f"ISA separators are not usable: {error}") from None


def split_segments(text: str) -> tuple[Separators, list[Segment]]:
    """The separators (read from the ISA) and every segment, line breaks around them dropped."""
    text = text.lstrip("\ufeff\r\n ")
    separators = _separators(text)
    raw = text.split(separators.segment)
    if raw and raw[-1].strip("\r\n ") == "":
        raw.pop()
    else:
        raise X12Error("The last segment has no segment terminator.")
    segments = []
    for index, chunk in enumerate(raw):
        chunk = chunk.strip("\r\n")
        if not chunk:
            raise X12Error(f"Empty segment at position {index + 1}.")
        segments.append(tuple(chunk.split(separators.element)))
    return separators, segments


def _check_isa(isa: Segment) -> None:
    if len(isa) != 17:
        raise X12Error(f"ISA has {len(isa) - 1} elements, not 16.")
    for position, (value, width) in enumerate(zip(isa[1:], _ISA_WIDTHS, strict=True), start=1):
        if len(value) != width:
            raise X12Error(f"ISA{position:02d} must be {width} characters wide.")
    if not isa[13].isdigit():
        raise X12Error("ISA13 (interchange control number) must be 9 digits.")
    if isa[15] not in ("T", "P"):
        raise X12Error("ISA15 must be T (test) or P (production).")


def _expect(segments: list[Segment], index: int, segment_id: str) -> Segment:
    if index >= len(segments):
        raise X12Error(f"The file ends where {segment_id} was expected.")
    segment = segments[index]
    if segment[0] != segment_id:
        raise X12Error(f"Segment {index + 1}: expected {segment_id}, found {segment[0]}.")
    return segment


def _int(value: str, what: str) -> int:
    if not value.isdigit():
        raise X12Error(f"{what} must be a number, not {value!r}.")
    return int(value)


def read_interchange(text: str) -> Interchange:
    """Parse one interchange strictly: every count and control number is checked."""
    separators, segments = split_segments(text)
    isa = segments[0]
    _check_isa(isa)
    control = int(isa[13])
    index, groups = 1, []
    while index < len(segments) and segments[index][0] == "GS":
        group, index = _read_group(segments, index)
        groups.append(group)
    iea = _expect(segments, index, "IEA")
    if len(iea) < 3 or _int(iea[1], "IEA01") != len(groups):
        raise X12Error(f"IEA01 says {iea[1] if len(iea) > 1 else '?'} groups, found {len(groups)}.")
    if _int(iea[2], "IEA02") != control:
        raise X12Error("IEA02 does not match the ISA control number.")
    if index + 1 != len(segments):
        raise X12Error("Segments follow the IEA: one interchange per file.")
    if not groups:
        raise X12Error("The interchange has no functional group.")
    return Interchange(
        control_number=control,
        sender_qualifier=isa[5],
        sender_id=isa[6].strip(),
        receiver_qualifier=isa[7],
        receiver_id=isa[8].strip(),
        usage=isa[15],
        separators=separators,
        groups=tuple(groups),
    )


def _read_group(segments: list[Segment], index: int) -> tuple[Group, int]:
    gs = segments[index]
    if len(gs) < 9:
        raise X12Error("GS needs 8 elements.")
    control = _int(gs[6], "GS06")
    index += 1
    transactions = []
    while index < len(segments) and segments[index][0] == "ST":
        transaction, index = _read_transaction(segments, index)
        transactions.append(transaction)
    ge = _expect(segments, index, "GE")
    if len(ge) < 3 or _int(ge[1], "GE01") != len(transactions):
        raise X12Error(f"GE01 does not match the {len(transactions)} transaction(s) in the group.")
    if _int(ge[2], "GE02") != control:
        raise X12Error("GE02 does not match GS06.")
    if not transactions:
        raise X12Error("A functional group has no transaction.")
    group = Group(gs[1], control, gs[2], gs[3], gs[8], tuple(transactions))
    for transaction in transactions:
        expected = FUNCTIONAL_IDS.get(transaction.set_id)
        if expected is not None and expected != group.functional_id:
            raise X12Error(f"A {transaction.set_id} cannot travel in a {gs[1]} group.")
    return group, index + 1


def _read_transaction(segments: list[Segment], index: int) -> tuple[Transaction, int]:
    st = segments[index]
    if len(st) < 3 or not 4 <= len(st[2]) <= 9:
        raise X12Error("ST needs a set id and a 4-9 character control number.")
    start = index
    index += 1
    while index < len(segments) and segments[index][0] not in ("SE", "ST", "GE", "IEA"):
        index += 1
    se = _expect(segments, index, "SE")
    count = index - start + 1
    if len(se) < 3 or _int(se[1], "SE01") != count:
        raise X12Error(f"SE01 of {st[1]} {st[2]} says {se[1]} segments, counted {count}.")
    if se[2] != st[2]:
        raise X12Error("SE02 does not match ST02.")
    return Transaction(st[1], st[2], tuple(segments[start + 1 : index])), index + 1


def element(segment: Segment, position: int) -> str:
    """Element ``position`` (1-based) of a segment, "" when absent."""
    return segment[position] if position < len(segment) else ""
