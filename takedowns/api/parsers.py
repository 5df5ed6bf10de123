"""Request parsers of the API: JSON that is valid Unicode only.

JSON may spell a lone UTF-16 surrogate as an escape ("\\ud800"), and Python's json module decodes it into a
string that is not valid Unicode: it cannot be stored (PostgreSQL and SQLite both refuse to encode it) nor
rendered back (DRF writes UTF-8), so a validation message echoing such a value ended in a 500. Such a body is
refused at the door with a 400 that says why. Form and multipart bodies are decoded from UTF-8 by Django and can
never carry one.
"""

from __future__ import annotations

import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value) -> bool:
    stack = [value]  # iterative: a body nested as deep as the JSON decoder allows must not overflow here
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class UnicodeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # "[[[[…" deeper than Python's decoder can follow
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
        if _has_surrogate(data):
            raise ParseError(
                "JSON parse error - the body contains an unpaired surrogate escape (\\ud800-\\udfff), which is not "
                "valid Unicode text. Send the text as UTF-8, or escape characters outside the Basic Multilingual "
                "Plane as surrogate pairs."
            )
        return data
