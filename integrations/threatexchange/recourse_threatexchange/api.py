"""The Recourse SignalExchangeAPI (threatexchange 1.2.x): fetch with a token and a cursor checkpoint, deletions
as removals, opinions back."""

import time
import typing as t
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from threatexchange.exchanges import auth
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.signal_type.signal_base import SignalType
from urllib3.util.retry import Retry

PAGE_SIZE = 1000
TIMEOUT_SECONDS = 30


@dataclass
class RecourseCollabConfig(CollaborationConfigWithDefaults):
    api_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={"help": "Base URL of the Recourse portal (without /api/v1)", "metavar": "URL"},
    )


@dataclass
class RecourseCheckpoint(state.FetchCheckpointBase):
    cursor: int
    fetched_at: int

    def get_progress_timestamp(self) -> int | None:
        return self.fetched_at


@dataclass
class RecourseSignalMetadata(state.FetchedSignalMetadata):
    """One shared signal: its opaque id, type, value, and the subscriber's own notice references (if any)."""

    signal_id: str
    signal_type: str
    value: str
    notice_references: list[str] = field(default_factory=list)

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        # Every signal is a victim's own picture, shared with her consent: a positive, not an investigation seed.
        return [state.SignalOpinion(False, state.SignalOpinionCategory.POSITIVE_CLASS, {"ncii"})]


@dataclass
class RecourseCredentials(auth.CredentialHelper):
    ENV_VARIABLE: t.ClassVar[str] = "TX_RECOURSE_TOKEN"
    FILE_NAME: t.ClassVar[str] = "~/.tx_recourse_token"

    token: str

    @classmethod
    def _from_str(cls, s: str) -> "RecourseCredentials":
        return cls(token=s.strip())

    def _are_valid(self) -> bool:
        return bool(self.token)


_OPINIONS = {
    state.SignalOpinionCategory.POSITIVE_CLASS: "blocked",
    state.SignalOpinionCategory.NEGATIVE_CLASS: "false_positive",
}


class RecourseSignalExchangeAPI(
    auth.SignalExchangeWithAuth[RecourseCollabConfig, RecourseCredentials],
    SignalExchangeAPI[RecourseCollabConfig, RecourseCheckpoint, RecourseSignalMetadata, str, RecourseSignalMetadata],
):
    """Subscribe to a Recourse hash exchange. Records are keyed by signal id, not by hash: two victims' pictures
    can share a hash, and withdrawing one must not remove the other."""

    def __init__(self, collab: RecourseCollabConfig, token: str, session: requests.Session | None = None) -> None:
        self.collab = collab
        self.base = collab.api_url.rstrip("/") + "/api/v1/exchange"
        self.session = session or requests.Session()
        # Bounded retries on connection errors and 5xx/429, with backoff; never on a 4xx (a bad token stays bad).
        retry = Retry(total=4, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=None)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["Authorization"] = f"Token {token}"

    @classmethod
    def get_name(cls) -> str:
        return "recourse"

    @staticmethod
    def get_config_cls() -> type[RecourseCollabConfig]:
        return RecourseCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[RecourseCheckpoint]:
        return RecourseCheckpoint

    @staticmethod
    def get_record_cls() -> type[RecourseSignalMetadata]:
        return RecourseSignalMetadata

    @staticmethod
    def get_credential_cls() -> type[RecourseCredentials]:
        return RecourseCredentials

    @classmethod
    def for_collab(
        cls, collab: RecourseCollabConfig, credentials: RecourseCredentials | None = None
    ) -> "RecourseSignalExchangeAPI":
        credentials = credentials or RecourseCredentials.get(cls)
        return cls(collab, credentials.token)

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: RecourseCheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[str, RecourseSignalMetadata, RecourseCheckpoint]]:
        cursor = checkpoint.cursor if checkpoint else 0
        while True:
            response = self.session.get(
                f"{self.base}/signals/", params={"after": cursor, "limit": PAGE_SIZE}, timeout=TIMEOUT_SECONDS
            )
            response.raise_for_status()
            page = response.json()
            updates: dict[str, RecourseSignalMetadata | None] = {}
            for entry in page["results"]:
                # The change kind decides, never the value: a deletion of an erased case's signal has no value.
                if entry["change"] == "deletion":
                    updates[entry["signal_id"]] = None
                else:
                    updates[entry["signal_id"]] = RecourseSignalMetadata(
                        signal_id=entry["signal_id"],
                        signal_type=entry["signal_type"],
                        value=entry["value"],
                        notice_references=list(entry.get("notice_references") or []),
                    )
            cursor = page["cursor"]
            yield state.FetchDelta(updates, RecourseCheckpoint(cursor=cursor, fetched_at=int(time.time())))
            if not page.get("next"):
                return

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: RecourseCollabConfig,
        fetched: t.Mapping[str, RecourseSignalMetadata],
    ) -> dict[type[SignalType], dict[str, RecourseSignalMetadata]]:
        by_name = {s.get_name(): s for s in signal_types}
        converted: dict[type[SignalType], dict[str, RecourseSignalMetadata]] = {}
        for _signal_id, record in sorted(fetched.items()):
            signal_type = by_name.get(record.signal_type)
            if signal_type is None or record is None or not record.value:
                continue
            try:
                value = signal_type.validate_signal_str(record.value)
            except ValueError:
                continue
            converted.setdefault(signal_type, {})[value] = record
        return converted

    def report_opinion(self, s_type: type[SignalType], signal: str, opinion: state.SignalOpinion) -> None:
        """Matched and blocked (POSITIVE_CLASS) or a false positive (NEGATIVE_CLASS), for every live signal with
        this value."""
        kind = _OPINIONS.get(opinion.category)
        if kind is None:
            raise NotImplementedError("Recourse takes 'blocked' (positive) or 'false_positive' (negative) opinions.")
        response = self.session.post(
            f"{self.base}/opinions/",
            json={"signal_type": s_type.get_name(), "value": signal, "opinion": kind},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
