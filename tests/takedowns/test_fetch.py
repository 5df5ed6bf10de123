"""The fetcher (the one way out) against a local server: address screening, one resolution per hop,
redirect checks, size and time caps, type sniffing. Resolution goes through an injected resolver, never a
patched socket module."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from hashing.formats import MEDIA_TYPES, picture_format
from takedowns import fetch
from tests.local_http import LocalServer, Route
from tests.utils import make_photo_like


@pytest.fixture
def server():
    s = LocalServer().start()
    yield s
    s.stop()


@pytest.fixture
def private_ok(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.1.1",
        "169.254.169.254",
        "168.63.129.16",  # Azure's metadata/wire server: a public address, refused by name
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "192.0.0.8",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "fec0::1",
        "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 wrapping 127.0.0.1
        "64:ff9b:1::1",
        "2001:0:4136:e378::1",  # Teredo
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:0:7f00:1",  # SIIT IPv4-translated 127.0.0.1
        "::ffff:0:a9fe:a9fe",  # SIIT IPv4-translated 169.254.169.254
        "::ffff:0:808:808",  # SIIT IPv4-translated, even of a public address: a translator is in the path
        "5f00::1",  # SRv6 segment identifier
        "5f00:1234::1",
    ],
)
def test_screen_refuses_non_public_addresses(address):
    assert fetch.address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_screen_lets_public_addresses_through(address):
    assert fetch.address_refusal(ipaddress.ip_address(address)) is None


def test_allowing_private_addresses_never_allows_metadata():
    assert fetch.address_refusal(ipaddress.ip_address("127.0.0.1"), allow_private=True) is None
    assert fetch.address_refusal(ipaddress.ip_address("10.0.0.1"), allow_private=True) is None
    for address in ("169.254.169.254", "fd00:ec2::254", "0.0.0.0"):
        assert fetch.address_refusal(ipaddress.ip_address(address), allow_private=True) is not None


def test_a_host_name_that_resolves_to_ipv6_loopback_is_refused(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    asked = []

    def resolver(host, port):
        asked.append((host, port))
        return ["::1"]

    with pytest.raises(fetch.AddressNotAllowed, match="::1"):
        fetch.request("GET", "http://innocent-looking.example/picture.jpg", resolver=resolver)
    assert asked == [("innocent-looking.example", 80)]


def test_one_private_address_among_public_ones_is_enough_to_refuse(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(fetch.AddressNotAllowed, match=r"10\.0\.0\.7"):
        # Refused before any connection: 8.8.8.8 is never contacted.
        fetch.request("GET", "https://rebinding.example/x", resolver=lambda h, p: ["8.8.8.8", "10.0.0.7"])


def test_connects_to_the_screened_address_with_one_lookup(private_ok, server):
    """DNS rebinding: a second lookup would answer differently (a metadata address). There is none: the
    connection goes to the address that was screened, and the request still names the host."""
    server.routes["/a"] = Route(body=b"hello", content_type="text/plain")
    answers = [["127.0.0.1"], ["169.254.169.254"]]
    calls = []

    def resolver(host, port):
        calls.append(host)
        return answers[min(len(calls) - 1, 1)]

    response = fetch.request("GET", f"http://rebind.example:{server.port}/a", resolver=resolver)
    assert response.status == 200 and response.body == b"hello"
    assert calls == ["rebind.example"]
    _path, headers = server.requests[-1]
    assert headers["Host"] == f"rebind.example:{server.port}"
    assert headers["User-Agent"].startswith("RecourseVerifier/")
    # And the answer of a later lookup is screened afresh: the rebound address is refused.
    with pytest.raises(fetch.AddressNotAllowed, match="metadata"):
        fetch.request("GET", f"http://rebind.example:{server.port}/a", resolver=resolver)


def test_redirect_to_loopback_is_refused_when_private_addresses_are_disallowed(settings, server):
    # The first hop has to reach the local server, so private addresses are allowed for it; the server turns
    # them off before it answers with the redirect, so the redirect is judged as production would judge it.
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True

    def screening_on():
        settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False

    url = server.redirect("/start", "http://127.0.0.1/", before_reply=screening_on)
    with pytest.raises(fetch.AddressNotAllowed, match=r"127\.0\.0\.1"):
        fetch.request("GET", url)


def test_redirect_to_cloud_metadata_is_refused(private_ok, server):
    url = server.redirect("/start", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(fetch.AddressNotAllowed, match="metadata"):
        fetch.request("GET", url)
    assert server.hits("/start") == 1


def test_at_most_five_redirects(private_ok, server):
    for i in range(6):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    server.routes["/r6"] = Route(body=b"end", content_type="text/plain")
    ok = fetch.request("GET", server.base + "/r1")  # five redirects: r1 → r6
    assert ok.body == b"end" and len(ok.redirects) == 5
    with pytest.raises(fetch.TooManyRedirects):
        fetch.request("GET", server.base + "/r0")  # six


def test_a_2_gb_content_length_is_refused_before_reading(private_ok, server):
    server.routes["/huge"] = Route(mode="huge")
    with pytest.raises(fetch.ResponseTooLarge, match="announces"):
        fetch.request("GET", server.base + "/huge")


def test_a_body_that_never_ends_is_cut_at_30_mb(private_ok, server):
    server.routes["/endless"] = Route(mode="endless")
    assert fetch.DEFAULT_MAX_BYTES == 30 * 1024 * 1024
    with pytest.raises(fetch.ResponseTooLarge, match="more than the limit"):
        fetch.request("GET", server.base + "/endless")


def test_a_server_that_accepts_and_never_answers_times_out(private_ok):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # the kernel completes the handshake; nobody ever reads or answers
    try:
        port = silent.getsockname()[1]
        with pytest.raises(fetch.FetchTimeout) as caught:
            fetch.request("GET", f"http://127.0.0.1:{port}/", timeout=1, total_timeout=2)
        assert caught.value.transient
    finally:
        silent.close()


def test_a_body_dripped_a_byte_at_a_time_cannot_outlast_the_total_time(private_ok, server):
    server.routes["/drip"] = Route(mode="drip")
    with pytest.raises(fetch.FetchTimeout):
        fetch.request("GET", server.base + "/drip", timeout=1, total_timeout=1.5)
    # The client hung up mid-drip rather than waiting for the whole body.
    import time

    for _ in range(100):  # wait (bounded) for the server to notice the hang-up
        if server.drip_completed is not None:
            break
        time.sleep(0.1)
    assert server.drip_completed is False


def test_types_are_sniffed_from_the_bytes(private_ok, server):
    jpeg = make_photo_like(64, 48, seed=3)
    server.routes["/lies.html"] = Route(body=jpeg, content_type="text/html")
    server.routes["/lies.jpg"] = Route(body=b"\n<!DOCTYPE html><html><body>hi</body></html>", content_type="image/jpeg")
    server.routes["/empty.png"] = Route(body=b"plain text", content_type="image/png")
    as_image = fetch.request("GET", server.base + "/lies.html")
    assert as_image.content_type == "text/html" and as_image.sniffed_type == "image/jpeg" and as_image.is_image
    as_page = fetch.request("GET", server.base + "/lies.jpg")
    assert as_page.content_type == "image/jpeg" and as_page.is_html and not as_page.is_image
    neither = fetch.request("GET", server.base + "/empty.png")
    assert not neither.is_image and not neither.is_html


def test_only_http_and_https_without_credentials(private_ok):
    for url in ("ftp://example.org/x", "file:///etc/passwd", "gopher://x.example/", "https://u:p@example.org/"):
        with pytest.raises(fetch.AddressNotAllowed):
            fetch.request("GET", url)


def _make_ca_and_leaf(tmp_path, name: str):
    """A throwaway CA and a certificate for ``name`` signed by it (PEM files)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Recourse test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tmp_path / "ca.pem", tmp_path / "leaf.pem", tmp_path / "leaf.key"


def test_https_goes_to_the_screened_ip_with_sni_and_certificate_checked_for_the_host_name(
    private_ok, settings, tmp_path
):
    import ssl

    ca, cert, key = _make_ca_and_leaf(tmp_path, "verify.example")
    seen_sni = []
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    tls.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    s = LocalServer(tls=tls).start()
    settings.FETCH_CA_FILE = str(ca)
    try:
        s.routes["/"] = Route(body=b"secure", content_type="text/plain")
        ok = fetch.request("GET", f"https://verify.example:{s.port}/", resolver=lambda h, p: ["127.0.0.1"])
        assert ok.body == b"secure" and seen_sni[-1] == "verify.example"
        assert s.requests[-1][1]["Host"] == f"verify.example:{s.port}"
        # Same IP, another name: the certificate is checked against the URL's name, so it is refused.
        with pytest.raises(fetch.TlsError):
            fetch.request("GET", f"https://impostor.example:{s.port}/", resolver=lambda h, p: ["127.0.0.1"])
        assert seen_sni[-1] == "impostor.example"
    finally:
        s.stop()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The opening box of an ISO media file (HEIF, AVIF, MP4) with the given brands, then filler."""
    brands = b"".join(compatible)
    return (16 + len(brands)).to_bytes(4, "big") + b"ftyp" + major + b"\0\0\0\0" + brands + b"\0" * 32


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (make_photo_like(32, 24, seed=4), "image/jpeg"),
        (make_photo_like(32, 24, seed=4, fmt="PNG"), "image/png"),
        (make_photo_like(32, 24, seed=4, fmt="WEBP"), "image/webp"),
        (b"GIF89a" + b"\0" * 32, "image/gif"),
        # HEIF and AVIF by their compatible brands too, as the decoder reads them: a picture the hashing code
        # would decode is a picture to the fetcher as well.
        (_ftyp(b"heic", b"mif1", b"heic"), "image/heif"),
        (_ftyp(b"hevc", b"mif1", b"hevc"), "image/heif"),
        (_ftyp(b"avif", b"mif1", b"miaf"), "image/avif"),
        (_ftyp(b"iso6", b"avif", b"miaf"), "image/avif"),
        (_ftyp(b"isom", b"iso2", b"mp41"), "application/octet-stream"),  # a video is not a picture
    ],
)
def test_fetch_and_the_decoder_name_pictures_alike(body, media_type):
    assert fetch.sniff(body, "image/jpeg") == media_type
    kind = picture_format(body)
    assert (MEDIA_TYPES[kind] if kind else "application/octet-stream") == media_type
