"""URL normalisation, pasted-list parsing and platform detection against the shipped registry."""

from __future__ import annotations

import pytest

from takedowns.registry import load_registry_file
from takedowns.urlnorm import (
    MAX_URL_LENGTH,
    PlatformMatcher,
    UrlError,
    host_of,
    normalise_host,
    normalise_url,
    parse_url_list,
)


@pytest.fixture(scope="module")
def matcher() -> PlatformMatcher:
    return PlatformMatcher((spec.slug, spec.domains) for spec in load_registry_file())


# --- platform detection ----------------------------------------------------------------------------------

DETECTION_CASES = [
    # Registered domains and their subdomains
    ("https://www.facebook.com/photo/?fbid=123", "facebook"),
    ("https://m.facebook.com/story.php?id=1", "facebook"),
    ("https://web.facebook.com/groups/1/posts/2", "facebook"),
    ("https://fb.watch/abcDEF/", "facebook"),
    ("https://www.fb.com/x", "facebook"),
    ("https://www.instagram.com/p/Cabc123/", "instagram"),
    ("https://instagr.am/p/Cabc123/", "instagram"),
    ("https://www.threads.net/@someone/post/abc", "threads"),
    ("https://www.threads.com/@someone/post/abc", "threads"),
    ("https://x.com/someone/status/1234567890", "x"),
    ("https://mobile.twitter.com/someone/status/1", "x"),
    ("https://t.co/AbCdEf", "x"),
    ("https://www.google.com/search?q=name", "google-search"),
    ("https://www.youtube.com/watch?v=abc", "youtube"),
    ("https://m.youtube.com/watch?v=abc", "youtube"),
    ("https://youtu.be/abc", "youtube"),
    ("https://old.reddit.com/r/x/comments/abc/t/", "reddit"),
    ("https://i.redd.it/abc.jpg", "reddit"),
    ("https://v.redd.it/abc", "reddit"),
    ("https://redd.it/abc", "reddit"),
    ("https://www.tiktok.com/@user/video/123", "tiktok"),
    ("https://vm.tiktok.com/ZMabc/", "tiktok"),
    ("https://story.snapchat.com/s/abc", "snapchat"),
    ("https://discord.gg/invite", "discord"),
    ("https://cdn.discordapp.com/attachments/1/2/a.png", "discord"),
    ("https://media.discordapp.net/attachments/1/2/a.png", "discord"),
    ("https://t.me/channel/123", "telegram"),
    ("https://www.pornhub.com/view_video.php?viewkey=abc", "pornhub"),
    ("https://www.youporn.com/watch/1/", "pornhub"),
    ("https://www.redtube.com/123", "pornhub"),
    ("https://onlyfans.com/12345/user", "onlyfans"),
    ("https://www.bing.com/images/search?q=x", "microsoft"),
    ("https://onedrive.live.com/?id=abc", "microsoft"),
    ("https://1drv.ms/i/s!abc", "microsoft"),
    ("https://i.imgur.com/abc.jpg", "imgur"),
    ("https://someblog.tumblr.com/post/123", "tumblr"),
    ("https://www.redgifs.com/watch/abc", "redgifs"),
    ("https://bumble.com/x", "bumble"),
    # Case, trailing dots, ports and scheme-less input
    ("HTTPS://WWW.FACEBOOK.COM/Some/Path", "facebook"),
    ("https://www.FACEBOOK.com./x", "facebook"),
    ("https://facebook.com:8443/x", "facebook"),
    ("facebook.com:8443", "facebook"),
    ("www.reddit.com/r/x/comments/abc", "reddit"),
    ("m.facebook.com", "facebook"),
    ("  <https://x.com/a/status/1>  ", "x"),
    # Unicode look-alikes that browsers map to the same name (full-width letters)
    ("https://\uff46\uff41\uff43\uff45\uff42\uff4f\uff4f\uff4b.com/x", "facebook"),
    # Look-alikes and non-boundary matches
    ("https://notfacebook.com/x", None),
    ("https://facebook.com.evil.net/x", None),
    ("https://facebook-com.example/x", None),
    ("https://xfacebook.com/x", None),
    ("https://facebook.co/x", None),
    ("https://facebook.com@evil.net/x", None),
    ("https://tco.example/x", None),
    # onedrive.live.com is registered; its parent live.com and siblings are not
    ("https://outlook.live.com/mail/0/", None),
    ("https://live.com/x", None),
    ("https://notonedrive.live.com/x", None),
    ("https://sub.onedrive.live.com/x", "microsoft"),
    # Unknown hosts, IDN hosts, garbage
    ("https://bücher.example/x", None),
    ("https://xn--bcher-kva.example/x", None),
    ("https://example.com/x", None),
    ("https://8.8.8.8/x", None),
    ("", None),
    ("not a url at all", None),
    ("https://", None),
]


@pytest.mark.parametrize(("url", "expected"), DETECTION_CASES)
def test_detect_platform(matcher: PlatformMatcher, url: str, expected: str | None) -> None:
    assert matcher.detect(url) == expected


def test_detection_table_is_large_enough() -> None:
    assert len(DETECTION_CASES) >= 40


def test_detect_after_normalisation_matches_detect_on_raw(matcher: PlatformMatcher) -> None:
    for url, expected in DETECTION_CASES:
        try:
            normalised = normalise_url(url)
        except UrlError:
            continue
        assert matcher.detect(normalised) == expected, url


def test_longest_suffix_wins() -> None:
    m = PlatformMatcher([("live", ["live.com"]), ("onedrive", ["onedrive.live.com"])])
    assert m.detect("https://onedrive.live.com/x") == "onedrive"
    assert m.detect("https://a.onedrive.live.com/x") == "onedrive"
    assert m.detect("https://outlook.live.com/x") == "live"


def test_matcher_refuses_domain_claimed_twice() -> None:
    with pytest.raises(ValueError, match=r"example\.com"):
        PlatformMatcher([("a", ["example.com"]), ("b", ["EXAMPLE.com."])])


def test_matcher_normalises_registered_domains() -> None:
    m = PlatformMatcher([("books", ["Bücher.example"])])
    assert m.detect("https://www.xn--bcher-kva.example/x") == "books"
    assert m.detect("https://BÜCHER.example/x") == "books"


# --- normalisation ---------------------------------------------------------------------------------------

NORMALISATION_CASES = [
    ("https://www.reddit.com/r/x/comments/abc", "https://www.reddit.com/r/x/comments/abc"),
    ("www.reddit.com/r/x/comments/abc", "https://www.reddit.com/r/x/comments/abc"),
    ("//x.com/a/status/1", "https://x.com/a/status/1"),
    ("  https://x.com/a/status/1\n", "https://x.com/a/status/1"),
    ("<https://x.com/a/status/1>", "https://x.com/a/status/1"),
    ('"https://x.com/a/status/1"', "https://x.com/a/status/1"),
    ("\u201chttps://x.com/a/status/1\u201d", "https://x.com/a/status/1"),
    ("HTTPS://WWW.Example.COM/Path/To/Photo.JPG", "https://www.example.com/Path/To/Photo.JPG"),
    ("https://www.example.com./p", "https://www.example.com/p"),
    ("https://example.com:443/p", "https://example.com/p"),
    ("http://example.com:80/p", "http://example.com/p"),
    ("https://example.com:8443/p", "https://example.com:8443/p"),
    ("http://example.com:443/p", "http://example.com:443/p"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ("https://example.com/p#comments", "https://example.com/p"),
    ("https://example.com/#/photos/1", "https://example.com/#/photos/1"),
    ("https://example.com/#!/photos/1", "https://example.com/#!/photos/1"),
    ("https://example.com/p?b=2&a=1", "https://example.com/p?b=2&a=1"),
    (
        "https://example.com/p?utm_source=x&id=7&fbclid=abc&UTM_Medium=y&gclid=1&page=2&igshid=z",
        "https://example.com/p?id=7&page=2",
    ),
    ("https://example.com/p?mc_cid=1&mc_eid=2&ref_src=twsrc", "https://example.com/p"),
    ("https://www.youtube.com/watch?v=abc&si=SHARE&t=30", "https://www.youtube.com/watch?v=abc&t=30"),
    ("https://youtu.be/abc?si=SHARE", "https://youtu.be/abc"),
    # `si` is only YouTube's share id; elsewhere it may identify content and is kept.
    ("https://example.com/view?si=42", "https://example.com/view?si=42"),
    ("https://example.com/?id=5", "https://example.com/?id=5"),
    ("https://example.com?id=5", "https://example.com/?id=5"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
    ("https://example.com/café", "https://example.com/caf%C3%A9"),
    ("https://[2001:4860:4860::8888]/x", "https://[2001:4860:4860::8888]/x"),
    ("http://8.8.8.8/x", "http://8.8.8.8/x"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISATION_CASES)
def test_normalise_url(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


@pytest.mark.parametrize(("raw", "_expected"), NORMALISATION_CASES)
def test_normalise_url_is_stable(raw: str, _expected: str) -> None:
    once = normalise_url(raw)
    assert normalise_url(once) == once


def test_unicode_and_punycode_forms_normalise_identically() -> None:
    assert normalise_url("https://BÜCHER.example/x") == normalise_url("https://xn--bcher-kva.example/x")
    assert host_of("https://bücher.example/x") == "xn--bcher-kva.example"


def test_hosts_follow_idna_2008_not_idna_2003() -> None:
    # IDNA 2003 (Python's built-in codec) maps ß to "ss" and would send a notice about fass.de, a different
    # website; IDNA 2008, as browsers resolve it, keeps the ß.
    assert normalise_host("faß.de") == "xn--fa-hia.de"
    assert host_of("https://FAß.de/bild") == "xn--fa-hia.de"
    assert normalise_url("https://faß.de/bild") == "https://xn--fa-hia.de/bild"


def test_host_of() -> None:
    assert host_of("https://WWW.Facebook.com.:8443/x") == "www.facebook.com"
    assert host_of("facebook.com") == "facebook.com"
    assert host_of("https://[::1]/x") == "::1"
    with pytest.raises(UrlError):
        host_of("https:///x")


# --- refusals --------------------------------------------------------------------------------------------

ERROR_CASES = [
    ("javascript:alert(1)", "unsupported_scheme", "browser code"),
    ("JavaScript:void(0)", "unsupported_scheme", "browser code"),
    ("data:image/png;base64,iVBORw0KGgo=", "unsupported_scheme", "image or file itself"),
    ("file:///home/me/photo.jpg", "unsupported_scheme", "your own device"),
    ("ftp://files.example.com/a.jpg", "unsupported_scheme", "ftp://"),
    ("mailto:someone@example.com", "unsupported_scheme", "e-mail address"),
    ("blob:https://www.instagram.com/1234-5678", "unsupported_scheme", "inside your own browser"),
    ("gopher://example.com/x", "unsupported_scheme", "https://"),
    ("example.com", "bare_domain", "website name, not the address of a page"),
    ("https://example.com", "bare_domain", "website name"),
    ("https://example.com/", "bare_domain", "website name"),
    ("www.facebook.com/", "bare_domain", "website name"),
    ("https://example.com/?utm_source=x", "bare_domain", "website name"),
    ("https://example.com/#top", "bare_domain", "website name"),
    ("https://user:pass@example.com/p", "credentials", "password"),
    ("https://facebook.com@evil.example/p", "credentials", "user name"),
    ("http://localhost/p", "not_public", "not to a public website"),
    ("http://localhost:8000/p", "not_public", "not to a public website"),
    ("localhost:8000/p", "not_public", "not to a public website"),
    ("http://app.localhost/p", "not_public", "not to a public website"),
    ("http://printer.local/p", "not_public", "not to a public website"),
    ("http://127.0.0.1/p", "not_public", "not to a public website"),
    ("http://127.1/p", "not_public", "not to a public website"),
    ("http://2130706433/p", "not_public", "not to a public website"),
    ("http://10.1.2.3/p", "not_public", "not to a public website"),
    ("http://192.168.0.1/p", "not_public", "not to a public website"),
    ("http://172.16.5.4/p", "not_public", "not to a public website"),
    ("http://169.254.169.254/latest/meta-data", "not_public", "not to a public website"),
    ("http://0.0.0.0/p", "not_public", "not to a public website"),
    ("http://[::1]/p", "not_public", "not to a public website"),
    ("http://[fe80::1]/p", "not_public", "not to a public website"),
    ("http://[::ffff:10.0.0.1]/p", "not_public", "not to a public website"),
    ("http://240.0.0.1/p", "not_public", "not to a public website"),
    ("https://reddit/r/x", "invalid_host", "incomplete"),
    ("https://intranet/p", "not_public", "not to a public website"),
    ("https://exa_mple..com/p", "invalid_host", "does not look right"),
    ("https://example.com:99999/p", "invalid_port", "number after the website name"),
    ("https://[::1/p", "invalid_url", "not complete"),
    ("https:example.com/p", "invalid_url", "not complete"),
    ("", "empty", "paste the address"),
    ("   ", "empty", "paste the address"),
    ("https://example.com/" + "a" * MAX_URL_LENGTH, "too_long", "longer than 2048"),
]


@pytest.mark.parametrize(("raw", "code", "fragment"), ERROR_CASES)
def test_refused(raw: str, code: str, fragment: str) -> None:
    with pytest.raises(UrlError) as info:
        normalise_url(raw)
    assert info.value.code == code
    assert fragment in info.value.message
    # Shown to people in crisis: a sentence, never a traceback or a bare code.
    assert info.value.message[0].isupper()
    assert info.value.message.rstrip().endswith((".", "https://"))
    assert str(info.value) == info.value.message


def test_url_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="browser code"):
        normalise_url("javascript:alert(1)")


def test_url_at_the_length_limit_is_accepted() -> None:
    base = "https://example.com/"
    url = base + "a" * (MAX_URL_LENGTH - len(base))
    assert normalise_url(url) == url


# --- pasted lists ----------------------------------------------------------------------------------------


def test_parse_url_list_lines_bullets_numbers_and_commas() -> None:
    text = (
        "1. https://x.com/a/status/1\n"
        "2) www.reddit.com/r/x/comments/abc\n"
        "- https://i.imgur.com/abc.jpg, https://t.me/c/5\n"
        "• https://example.com/p?ids=1,2\n"
        "\n"
        "https://onlyfans.com/1/u https://fb.watch/xyz/\n"
    )
    parsed = parse_url_list(text)
    assert parsed.urls == [
        "https://x.com/a/status/1",
        "https://www.reddit.com/r/x/comments/abc",
        "https://i.imgur.com/abc.jpg",
        "https://t.me/c/5",
        "https://example.com/p?ids=1,2",
        "https://onlyfans.com/1/u",
        "https://fb.watch/xyz/",
    ]
    assert parsed.errors == []
    assert parsed.ok


def test_parse_url_list_dedups_preserving_order() -> None:
    text = (
        "https://x.com/a/status/1\n"
        "https://x.com/b/status/2\n"
        "HTTPS://X.COM/a/status/1?utm_source=share\n"
        "x.com/a/status/1#reply\n"
        "https://x.com/b/status/2\n"
    )
    parsed = parse_url_list(text)
    assert parsed.urls == ["https://x.com/a/status/1", "https://x.com/b/status/2"]
    assert parsed.duplicates == 3


def test_parse_url_list_reports_errors_with_line_numbers() -> None:
    text = "https://x.com/a/status/1\nexample.com\n\njavascript:alert(1)\nhttps://t.co/abc http://127.0.0.1/x\n"
    parsed = parse_url_list(text)
    assert parsed.urls == ["https://x.com/a/status/1", "https://t.co/abc"]
    assert [(e.line, e.raw, e.code) for e in parsed.errors] == [
        (2, "example.com", "bare_domain"),
        (4, "javascript:alert(1)", "unsupported_scheme"),
        (5, "http://127.0.0.1/x", "not_public"),
    ]
    assert not parsed.ok
    assert "website name" in parsed.errors[0].message


def test_parse_url_list_ignores_prose_around_addresses() -> None:
    parsed = parse_url_list("see (https://x.com/a/status/1). and also https://t.co/abc, thanks")
    assert parsed.urls == ["https://x.com/a/status/1", "https://t.co/abc"]
    assert parsed.errors == []


def test_parse_url_list_keeps_balanced_parentheses() -> None:
    parsed = parse_url_list("(https://en.wikipedia.org/wiki/Foo_(bar))")
    assert parsed.urls == ["https://en.wikipedia.org/wiki/Foo_(bar)"]


def test_parse_url_list_empty() -> None:
    parsed = parse_url_list("  \n\n ")
    assert parsed.urls == []
    assert parsed.errors == []
    assert parsed.duplicates == 0


def test_parse_url_list_refuses_more_than_limit() -> None:
    text = "\n".join(f"https://example.com/p/{i}" for i in range(600))
    with pytest.raises(UrlError) as info:
        parse_url_list(text)
    assert info.value.code == "too_many"
    assert "You pasted 600 addresses" in info.value.message
    assert "up to 200" in info.value.message


def test_parse_url_list_limit_is_inclusive_and_configurable() -> None:
    text = "\n".join(f"https://example.com/p/{i}" for i in range(200))
    assert len(parse_url_list(text).urls) == 200
    with pytest.raises(UrlError, match="You pasted 4 addresses"):
        parse_url_list(text.replace("\n", " ", 3).split("\n")[0], limit=3)
