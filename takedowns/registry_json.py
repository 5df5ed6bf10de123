"""Where things are in the registry's JSON text, so a validation error can name the line: each top-level list
element's span, the line of an offset, and a loader that refuses a key given twice in one object."""

from __future__ import annotations

import json
from typing import Any


class DuplicateKey(ValueError):
    pass


def refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in a hand-edited file that hides one of the values.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def element_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each top-level list element; only called on text that already parsed."""
    decoder = json.JSONDecoder()
    ws = " \t\r\n"
    pos = 0
    while pos < len(text) and text[pos] in ws:
        pos += 1
    if pos >= len(text) or text[pos] != "[":
        return []
    pos += 1
    spans: list[tuple[int, int]] = []
    while True:
        while pos < len(text) and text[pos] in ws:
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return spans
        _value, end = decoder.raw_decode(text, pos)
        spans.append((pos, end))
        pos = end
        while pos < len(text) and text[pos] in ws:
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
