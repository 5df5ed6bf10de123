"""The platform registry file: the shipped data parses, and every kind of mistake refuses the whole file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from takedowns.registry import (
    DEFAULT_REGISTRY_PATH,
    PlatformSpec,
    RegistryError,
    load_registry_file,
    parse_registry,
)

REQUIRED_KEYS = {"slug", "name", "domains", "channel"}
ALL_KEYS = REQUIRED_KEYS | {
    "contact_email",
    "webform_url",
    "regime",
    "response_hours",
    "hash_programmes",
    "channel_verified",
    "notes",
    # the legal fields
    "tida_covered",
    "regimes",
    "policy_name",
    "policy_url",
    # the platform's own TAKE IT DOWN Act process, and its type under the UK Online Safety Act
    "tida_process",
    "tida_process_verified",
    "service_type",
    # the designated copyright agent (17 U.S.C. 512(c)(2))
    "dmca_agent_email",
    "dmca_agent_source",
    "dmca_agent_verified",
}


def _platform(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "slug": "example",
        "name": "Example",
        "domains": ["example.com"],
        "channel": "webform",
        "webform_url": "https://example.com/report",
    }
    item.update(overrides)
    return item


def _doc(*items: dict[str, Any]) -> str:
    return json.dumps(list(items), indent=2)


def _refused(text: str) -> RegistryError:
    with pytest.raises(RegistryError) as info:
        parse_registry(text, source="platforms.json")
    assert "platforms.json" in str(info.value)
    return info.value


# --- the shipped file ------------------------------------------------------------------------------------


def test_shipped_registry_parses() -> None:
    specs = load_registry_file()
    assert len(specs) >= 18
    assert all(isinstance(spec, PlatformSpec) for spec in specs)
    slugs = {spec.slug for spec in specs}
    assert {"facebook", "instagram", "x", "reddit", "tiktok", "pornhub", "microsoft", "cloudflare"} <= slugs


def test_shipped_registry_has_every_key_on_every_item() -> None:
    raw = json.loads(DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8"))
    assert len(raw) == 19
    for item in raw:
        assert set(item) >= REQUIRED_KEYS, item.get("slug")
        assert set(item) == ALL_KEYS, item.get("slug")


def test_shipped_registry_is_pretty_printed_with_two_spaces() -> None:
    text = DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8")
    assert text.startswith('[\n  {\n    "slug"')


def test_shipped_registry_channels_are_usable() -> None:
    for spec in load_registry_file():
        if spec.channel == "email":
            assert spec.contact_email, spec.slug
        if spec.channel_verified:
            assert spec.webform_url or spec.contact_email, spec.slug
        if not spec.channel_verified:
            assert "unverified" in spec.notes.lower(), spec.slug


def test_shipped_registry_special_cases() -> None:
    by_slug = {spec.slug: spec for spec in load_registry_file()}
    assert by_slug["cloudflare"].domains == ()
    assert by_slug["cloudflare"].channel == "webform"
    assert "live.com" not in by_slug["microsoft"].domains
    assert "onedrive.live.com" in by_slug["microsoft"].domains
    assert by_slug["telegram"].channel_verified is False
    assert {"youporn.com", "redtube.com", "tube8.com"} <= set(by_slug["pornhub"].domains)


def test_load_registry_file_tolerates_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "platforms.json"
    path.write_text(_doc(_platform()), encoding="utf-8-sig")
    assert [spec.slug for spec in load_registry_file(path)] == ["example"]


def test_load_registry_file_missing(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry_file(tmp_path / "nope.json")


# --- valid documents -------------------------------------------------------------------------------------


def test_defaults_and_normalisation() -> None:
    (spec,) = parse_registry(
        _doc(
            {
                "slug": "books",
                "name": " Books ",
                "domains": ["Bücher.Example.", "WWW.Books.example"],
                "channel": "email",
                "contact_email": "abuse@books.example",
            }
        )
    )
    assert spec == PlatformSpec(
        slug="books",
        name="Books",
        domains=("xn--bcher-kva.example", "www.books.example"),
        channel="email",
        contact_email="abuse@books.example",
    )
    assert spec.regime == "US"
    assert spec.response_hours == 48
    assert spec.hash_programmes == ()
    assert spec.channel_verified is False
    assert spec.notes == ""
    assert spec.tida_covered is None  # "unknown" unless the operator says
    assert spec.regimes == ("US",)
    assert spec.webform_url == ""


def test_empty_list_is_valid() -> None:
    assert parse_registry("[]") == []


# --- refusals --------------------------------------------------------------------------------------------


def test_bad_json_names_line_and_column() -> None:
    text = '[\n  {\n    "slug": "a",\n    "name": "A"\n    "domains": []\n  }\n]\n'
    err = _refused(text)
    assert err.line == 5
    assert "line 5" in str(err)
    assert "column" in str(err)
    assert "invalid JSON" in str(err)


def test_trailing_comma_is_bad_json() -> None:
    err = _refused('[\n  {"slug": "a", "name": "A", "domains": [], "channel": "api"},\n]\n')
    assert err.line == 3


def test_top_level_must_be_a_list() -> None:
    err = _refused(json.dumps({"platforms": []}))
    assert "JSON list" in str(err)


def test_item_must_be_an_object() -> None:
    err = _refused(_doc(_platform(), ["not", "an", "object"]))  # type: ignore[arg-type]
    assert err.index == 1
    assert "object" in str(err)


@pytest.mark.parametrize("missing", sorted(REQUIRED_KEYS))
def test_missing_required_field(missing: str) -> None:
    item = _platform()
    del item[missing]
    text = _doc(_platform(slug="first", domains=["first.example"]), item)
    err = _refused(text)
    assert err.field == missing
    assert err.index == 1
    assert repr(missing) in str(err)
    assert "required" in str(err)
    # A missing key has no line of its own: report where the second object starts.
    assert err.line == text.splitlines().index("  {", 2) + 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", 5),
        ("slug", "Has Caps"),
        ("slug", "-leading"),
        ("slug", ""),
        ("name", ""),
        ("name", None),
        ("domains", "example.com"),
        ("domains", [5]),
        ("domains", ["https://example.com"]),
        ("domains", ["example.com/path"]),
        ("domains", ["example.com:8080"]),
        ("domains", ["user@example.com"]),
        ("domains", ["*.example.com"]),
        ("domains", ["exa mple.com"]),
        ("domains", ["localhost"]),
        ("domains", ["10.0.0.1"]),
        ("domains", ["under_score.example"]),
        ("domains", ["example.com", "EXAMPLE.com."]),
        ("contact_email", "not-an-email"),
        ("contact_email", 7),
        ("webform_url", "example.com/report"),
        ("webform_url", "javascript:alert(1)"),
        ("regime", "FR"),
        ("response_hours", "48"),
        ("response_hours", 48.5),
        ("response_hours", True),
        ("response_hours", 0),
        ("response_hours", 721),
        ("hash_programmes", "stopncii"),
        ("hash_programmes", ["stopncii", "photodna"]),
        ("channel_verified", "yes"),
        ("channel_verified", 1),
        ("notes", ["a"]),
    ],
)
def test_wrong_value_names_the_field(field: str, value: Any) -> None:
    err = _refused(_doc(_platform(**{field: value})))
    assert err.field == field
    assert f"field {field!r}" in str(err)
    assert err.index == 0
    assert err.line is not None


@pytest.mark.parametrize("channel", ["fax", "Email", "", None, ["email"]])
def test_bad_channel(channel: Any) -> None:
    err = _refused(_doc(_platform(channel=channel)))
    assert err.field == "channel"
    assert "'channel'" in str(err)


def test_email_channel_needs_an_address() -> None:
    err = _refused(_doc(_platform(channel="email")))
    assert err.field == "contact_email"


def test_unknown_key_is_named() -> None:
    err = _refused(_doc(_platform(contact_emial="abuse@example.com")))
    assert err.field == "contact_emial"
    assert "unknown key" in str(err)
    assert "'contact_emial'" in str(err)
    assert "(slug 'example')" in str(err)


def test_duplicate_key_in_one_object() -> None:
    text = '[\n  {"slug": "a", "name": "A", "domains": [], "channel": "api",\n   "name": "B"}\n]'
    err = _refused(text)
    assert "'name'" in str(err)
    assert "twice" in str(err)
    assert err.line == 3


def test_duplicate_slug() -> None:
    err = _refused(_doc(_platform(), _platform(domains=["other.example"])))
    assert err.field == "slug"
    assert err.index == 1
    assert "'example'" in str(err)


def test_duplicate_domain_across_platforms() -> None:
    err = _refused(
        _doc(
            _platform(slug="one", domains=["shared.example"]),
            _platform(slug="two", domains=["SHARED.example."]),
        )
    )
    assert err.field == "domains"
    assert err.index == 1
    assert err.slug == "two"
    assert "'one'" in str(err)
    assert "shared.example" in str(err)


def test_error_reports_the_line_of_the_field() -> None:
    text = _doc(_platform(slug="one", domains=["one.example"]), _platform(slug="two", regime="XX"))
    err = _refused(text)
    expected = text.splitlines().index('    "regime": "XX"') + 1
    assert err.line == expected
    assert f"line {expected}" in str(err)


def test_one_bad_item_refuses_the_whole_file() -> None:
    good = [_platform(slug=f"p{i}", domains=[f"p{i}.example"]) for i in range(5)]
    with pytest.raises(RegistryError):
        parse_registry(_doc(*good, _platform(slug="bad", channel="pigeon")))


def test_registry_fields_are_defined_once_and_used_everywhere() -> None:
    """The validator's PlatformSpec is the one definition: the model stores, the upsert service writes and the
    API serializes exactly its fields ."""
    import dataclasses

    from takedowns.api.views import AdvocatePlatformSerializer, PlatformSerializer
    from takedowns.models import Platform
    from takedowns.registry import FIELD_NAMES, KNOWN_FIELDS, STORED_FIELDS, PlatformSpec

    assert tuple(f.name for f in dataclasses.fields(PlatformSpec)) == FIELD_NAMES
    assert set(FIELD_NAMES) == KNOWN_FIELDS
    model_fields = {f.name for f in Platform._meta.get_fields()}
    assert set(STORED_FIELDS) <= model_fields
    assert AdvocatePlatformSerializer.Meta.fields == ["slug", *STORED_FIELDS]
    # Platform staff get the same fields without the advocates' notes.
    assert PlatformSerializer.Meta.fields == ["slug", *(name for name in STORED_FIELDS if name != "notes")]


def test_new_fields_validated() -> None:
    base = {"slug": "x", "name": "X", "domains": ["x.example"], "channel": "webform"}
    (spec,) = parse_registry(_doc({**base, "tida_covered": False, "regimes": ["US", "EU"], "policy_name": "P"}))
    assert spec.tida_covered is False and spec.regimes == ("US", "EU") and spec.policy_name == "P"
    for bad, field in [
        ({"tida_covered": "yes"}, "tida_covered"),
        ({"regimes": ["EU"]}, "regimes"),  # must include the platform's own regime (US by default)
        ({"regimes": ["US", "MARS"]}, "regimes"),
        ({"policy_url": "http://x.example/policy"}, "policy_url"),
    ]:
        with pytest.raises(RegistryError) as info:
            parse_registry(_doc({**base, **bad}))
        assert info.value.field == field


def test_dmca_agent_needs_its_source_and_date() -> None:
    base = {"slug": "x", "name": "X", "domains": ["x.example"], "channel": "webform"}
    agent = {"dmca_agent_email": "copyright@x.example", "dmca_agent_source": "x.example/dmca"}
    (spec,) = parse_registry(_doc({**base, **agent, "dmca_agent_verified": "2026-12-05"}))
    assert (spec.dmca_agent_email, spec.dmca_agent_verified) == ("copyright@x.example", "2026-12-05")
    for bad, field in [
        ({**agent, "dmca_agent_email": "not an address", "dmca_agent_verified": "2026-12-05"}, "dmca_agent_email"),
        ({**agent, "dmca_agent_verified": "5 December 2026"}, "dmca_agent_verified"),
        (agent, "dmca_agent_email"),  # an address without the day it was read
    ]:
        with pytest.raises(RegistryError) as info:
            parse_registry(_doc({**base, **bad}))
        assert info.value.field == field


def test_shipped_dmca_agents_name_their_source() -> None:
    specs = load_registry_file()
    with_agent = [s for s in specs if s.dmca_agent_email]
    assert {s.slug for s in with_agent} >= {"pornhub", "onlyfans"}
    assert all(s.dmca_agent_source and s.dmca_agent_verified for s in with_agent)


def test_shipped_registry_marks_search_engines_and_cdns_not_covered() -> None:
    specs = {s.slug: s for s in load_registry_file()}
    for slug in ("google-search", "cloudflare", "microsoft"):
        assert specs[slug].tida_covered is False, slug
        assert "covered platform" in specs[slug].notes, slug
    assert specs["facebook"].tida_covered is True and "EU" in specs["facebook"].regimes
    assert specs["google-search"].regimes == ("US",)  # a search engine is no DSA hosting service


def test_one_platform_is_validated_by_the_same_rules_outside_the_file() -> None:
    from takedowns.registry import platform_validate

    spec = platform_validate(_platform(domains=["Example.COM."]), source="workbench")
    assert spec.domains == ("example.com",) and spec.regimes == ("US",)
    with pytest.raises(RegistryError) as bad_mail:
        platform_validate(_platform(channel="email", contact_email="not-an-address"))
    assert bad_mail.value.field == "contact_email" and bad_mail.value.reason.endswith("e-mail address")
    # The loader lets a web-form platform's address be found by hand; "add this website" asks for it.
    assert platform_validate(_platform(channel="webform", webform_url="")).channel == "webform"
    with pytest.raises(RegistryError) as no_form:
        platform_validate(_platform(channel="webform", webform_url=""), require_webform_url=True)
    assert no_form.value.field == "webform_url"
    # Whoever already holds a domain (the file: an earlier item; the workbench: any registered suffix).
    with pytest.raises(RegistryError) as taken:
        platform_validate(_platform(domains=["old.reddit.com"]), domain_owner=lambda host: "reddit")
    assert "already belongs" in taken.value.reason and "'reddit'" in taken.value.reason


def test_tida_process_and_service_type_are_validated() -> None:
    spec = parse_registry(
        _doc(_platform(tida_process="TIDA@Example.com", tida_process_verified="2026-05-20", service_type="search"))
    )[0]
    assert spec.tida_process == "tida@example.com" and spec.tida_process_verified.isoformat() == "2026-05-20"
    assert spec.file_value("tida_process_verified") == "2026-05-20" and spec.service_type == "search"
    assert _refused(_doc(_platform(tida_process="http://example.com/form"))).field == "tida_process"
    assert _refused(_doc(_platform(tida_process="a@b", service_type="search"))).field == "tida_process"
    bad_date = _refused(_doc(_platform(tida_process="https://example.com/tida", tida_process_verified="20 May")))
    assert bad_date.field == "tida_process_verified"
    # A verification date confirms a named process: alone it is a data-entry error.
    assert _refused(_doc(_platform(tida_process_verified="2026-05-20"))).field == "tida_process_verified"
    assert _refused(_doc(_platform(service_type="social"))).field == "service_type"
