"""End to end with the real ``threatexchange`` CLI from the registry and a running Recourse (live_server): the
extension in integrations/threatexchange is added, a collaboration configured with a platform token, ``fetch``
pulls the victim's shared fingerprints, ``match photo`` finds an edited copy (resized and recompressed) of her
generated picture; after she withdraws, the next ``fetch`` drops it and the same copy no longer matches. The CLI
runs as a subprocess with its own HOME (its state folder) in a temporary directory."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from takedowns.models import EXCHANGE_SCOPES, ActorKind, Platform
from takedowns.services.erasure import case_withdraw
from takedowns.services.exchange import platform_exchange_scopes_set
from takedowns.services.images import image_add, image_hash
from takedowns.services.users import portal_user_create_or_update
from tests.factories import complete_case
from tests.utils import ROOT, encode, synthetic_photo

pytest.importorskip("threatexchange")
pytestmark = pytest.mark.django_db(transaction=True)

EXTENSION = ROOT / "integrations" / "threatexchange"


def _cli(home: Path, token: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HOME": str(home),
        "TX_RECOURSE_TOKEN": token,
        # The extension from the repository (pip install ./integrations/threatexchange does the same).
        "PYTHONPATH": os.pathsep.join([str(EXTENSION), os.environ.get("PYTHONPATH", "")]),
    }
    code = "import sys; from threatexchange.cli.main import main; sys.argv[0] = 'threatexchange'; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300, cwd=home
    )
    assert done.returncode == 0 or not check, f"threatexchange {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _edited(picture: bytes) -> bytes:
    image = Image.open(io.BytesIO(picture))
    smaller = image.resize((int(image.width * 0.7), int(image.height * 0.7)), Image.Resampling.LANCZOS)
    return encode(smaller, quality=60)


def test_fetch_match_and_withdrawal_through_the_real_cli(live_server, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["*"]  # live_server answers on localhost:<port>
    portal_user_create_or_update(
        role="platform", email="hma@reddit.example", password="unused-password", platform_slug="reddit", validate=False
    )
    platform_exchange_scopes_set(platform=Platform.objects.get(slug="reddit"), scopes=list(EXCHANGE_SCOPES))
    token = portal_user_create_or_update(
        role="platform", email="hma@reddit.example", password="unused-password", platform_slug="reddit", validate=False
    ).token

    picture = encode(synthetic_photo(2424, size=(640, 480)), quality=92)
    case = _sharing_case_with(picture)
    other = _sharing_case_with(encode(synthetic_photo(7, size=(640, 480))))  # another victim's, unrelated

    upload = tmp_path / "upload.jpg"
    upload.write_bytes(_edited(picture))
    unrelated = tmp_path / "unrelated.jpg"
    unrelated.write_bytes(encode(synthetic_photo(99, size=(640, 480))))
    home = tmp_path / "home"
    home.mkdir()

    _cli(home, token, "config", "extensions", "add", "recourse_threatexchange")
    _cli(home, token, "config", "collab", "edit", "recourse", "recourse", "--create", "--api-url", live_server.url)
    _cli(home, token, "fetch")
    matched = _cli(home, token, "match", "photo", str(upload)).stdout
    signal = case.exchange_signals.get(signal_type="pdq")
    assert matched.startswith("pdq ") and "(recourse)" in matched, matched
    assert _cli(home, token, "match", "photo", str(unrelated)).stdout.strip() == ""

    case_withdraw(case=case, actor_kind=ActorKind.VICTIM)
    _cli(home, token, "fetch")
    assert "pdq: 1" in _cli(home, token, "dataset").stdout  # the other victim's stays
    assert _cli(home, token, "match", "photo", str(upload)).stdout.strip() == ""
    assert not signal.opinions.exists()

    # The last signal withdrawn: the CLI's PDQ index goes too (the extension fixes the CLI keeping a stale one).
    case_withdraw(case=other, actor_kind=ActorKind.VICTIM)
    _cli(home, token, "fetch")
    last = _cli(home, token, "match", "photo", str(upload), check=False)
    assert last.stdout.strip() == "" and "No indices available" in last.stderr


def _sharing_case_with(picture: bytes):
    case = complete_case(
        urls=["https://www.reddit.com/r/x/comments/e2e/p/"], hashed_images=0, share_with_platforms=True
    )
    image = image_add(case=case, data=picture, image_format="JPEG", keep_as_evidence=False, actor_kind=ActorKind.VICTIM)
    image_hash(image_id=image.pk)
    assert case.exchange_signals.filter(active=True, signal_type="pdq").exists()
    return case


def test_the_extension_reports_opinions_back(live_server, tmp_path, settings):
    """``report_opinion`` (what ``threatexchange label`` and HMA call) reaches Recourse as blocked / false
    positive for every live signal with that value."""
    settings.ALLOWED_HOSTS = ["*"]
    sys.path.insert(0, str(EXTENSION))
    try:
        from recourse_threatexchange import RecourseCollabConfig, RecourseSignalExchangeAPI
        from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory
        from threatexchange.signal_type.pdq.signal import PdqSignal
    finally:
        sys.path.remove(str(EXTENSION))
    token = portal_user_create_or_update(
        role="platform", email="hma@x.example", password="unused-password", platform_slug="x", validate=False
    ).token
    platform_exchange_scopes_set(platform=Platform.objects.get(slug="x"), scopes=["exchange:read"])
    case = complete_case(urls=["https://x.com/a/status/1"], hashed_images=1, share_with_platforms=True)
    from takedowns.services.exchange import exchange_case_sync

    exchange_case_sync(case=case)
    value = case.images.get().pdq
    api = RecourseSignalExchangeAPI(RecourseCollabConfig(name="recourse", api_url=live_server.url), token)
    deltas = list(api.fetch_iter([PdqSignal], None))
    assert {record.value for d in deltas for record in d.updates.values() if record} >= {value}
    api.report_opinion(PdqSignal, value, SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set()))
    api.report_opinion(PdqSignal, value, SignalOpinion(True, SignalOpinionCategory.NEGATIVE_CLASS, set()))
    kinds = sorted(case.exchange_signals.get(signal_type="pdq").opinions.values_list("kind", flat=True))
    assert kinds == ["blocked", "false_positive"]
