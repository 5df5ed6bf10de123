"""Work around two defects of the ``threatexchange`` 1.2.17 CLI that would keep a withdrawn hash matching.

1. A saved PDQ index finds nothing (faiss-cpu 1.15): the CLI pickles its ``PDQIndex`` after ``fetch`` and
   unpickles it for ``match``; a deserialised ``IndexBinaryMultiHash`` loses its hash tables, so every query, even
   an exact one, returns no match. The index keeps every hash in ``local_id_to_entry``, so on unpickling we
   rebuild the faiss index from them. Applied only when a round trip is seen to lose matches.
2. A stale index is never removed: when a fetch leaves no signal of a type (the last victim withdrew),
   ``CliIndexStore.clear`` compares the full file path with the type name, removes nothing, and ``match`` keeps
   matching the withdrawn hash from the old index file. We compare the file's name instead.

Both only touch the CLI's local storage; HMA keeps its own. The extension's module imports this, and the CLI
imports every added extension before it runs a command.
"""

import logging
import pickle
import typing as t

from threatexchange.signal_type.pdq.pdq_index import PDQIndex

_PROBE = "f" * 32 + "0" * 32


def _round_trip_loses_matches() -> bool:
    restored = pickle.loads(pickle.dumps(PDQIndex([(_PROBE, 0)])))
    return not restored.query(_PROBE)


def _setstate(self, state):
    self.__dict__.update(state)
    fresh = self._get_empty_index()
    if self.local_id_to_entry:
        fresh.add((signal for signal, _entry in self.local_id_to_entry), range(len(self.local_id_to_entry)))
    self.index = fresh


def _clear(self, only_types: t.Iterable[type] | None = None) -> None:
    names = None if only_types is None else {st.get_name() for st in only_types}
    for file in self.dir.glob(f"*{self.FILE_EXTENSION}"):
        if names is None or file.name[: -len(self.FILE_EXTENSION)] in names:
            logging.info("Removing index %s", file)
            file.unlink()


def apply() -> None:
    if not getattr(PDQIndex, "_recourse_rebuilds", False) and _round_trip_loses_matches():
        PDQIndex.__setstate__ = _setstate
        PDQIndex._recourse_rebuilds = True
    try:
        from threatexchange.cli.cli_state import CliIndexStore
    except ImportError:  # the library without its CLI (HMA): nothing to fix
        return
    CliIndexStore.clear = _clear
