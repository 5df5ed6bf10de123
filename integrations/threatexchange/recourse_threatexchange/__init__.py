"""python-threatexchange extension for a Recourse hash exchange.

``TX_MANIFEST`` registers ``RecourseSignalExchangeAPI`` (name ``recourse``): it pages through
``GET /api/v1/exchange/signals/?after=<cursor>`` with a platform token, yields one ``FetchDelta`` per page keyed by
the opaque signal id (a deletion is ``None``: the removal), and checkpoints the cursor so the next fetch resumes
where this one stopped. ``report_opinion`` posts "blocked" or "false_positive" back.
"""

from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from recourse_threatexchange import cli_fixes
from recourse_threatexchange.api import (
    RecourseCheckpoint,
    RecourseCollabConfig,
    RecourseCredentials,
    RecourseSignalExchangeAPI,
    RecourseSignalMetadata,
)

TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(RecourseSignalExchangeAPI,))

# The CLI imports every added extension before it runs a command: its local index is fixed before `match`.
cli_fixes.apply()

__all__ = [
    "TX_MANIFEST",
    "RecourseCheckpoint",
    "RecourseCollabConfig",
    "RecourseCredentials",
    "RecourseSignalExchangeAPI",
    "RecourseSignalMetadata",
]
