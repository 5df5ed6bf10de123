"""OpenAPI post-processing: document the error responses every endpoint can give, so that clients (and the
schemathesis run in CI) know them: 400 with a message per field, 401/403, 404 and 429 from the rate limit."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Either {'detail': message} or {field: [messages]}.",
    "additionalProperties": True,
}

ERRORS = {
    "400": "Invalid input: a message per field, or a detail message.",
    "401": "No or invalid token.",
    "403": "Authenticated, but this role may not do this.",
    "404": "No such object, or not yours (the same answer for both).",
    "405": "Method not allowed.",
    "406": "The requested format is not available.",
    "415": "Unsupported media type.",
    "429": "Rate limit: try again later.",
}


def add_error_responses(result, generator, request, public):
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}},
                )
    return result
