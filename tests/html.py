"""Reading server-rendered pages in tests: elements by id, with their attributes and text."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"input", "br", "meta", "link", "img", "hr"}


class _Elements(HTMLParser):
    """Elements with an id: their attributes and their text (nested text included)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.handle_data(" ")  # a tag separates words (<br>, cells)
        if "id" in values:
            self.by_id[values["id"]] = {**values, "tag": tag, "text": ""}
        if tag not in VOID:
            self._open.append((tag, values.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.by_id[element_id]["text"] += data


def element(page: str, element_id: str) -> dict[str, str]:
    return _Elements(page).by_id[element_id]


def text(page: str, element_id: str) -> str:
    return " ".join(element(page, element_id)["text"].split())
