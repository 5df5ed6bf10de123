"""Command line: ``python -m hashing hash|compare|match``.

Usage::

    python -m hashing hash FILE_OR_FOLDER...            one JSON object per line per picture
    python -m hashing compare A B                         one JSON object: distances, match, stage, reason
    python -m hashing match --refs PATH... --candidates PATH...
                                                          one JSON line per candidate: candidate, ref (or
                                                          null), distances, match, stage, reason, inliers

Folders are walked recursively (hidden files skipped); every file is sniffed by content, not by name.
A file that cannot be hashed produces a line ``{"file": ..., "error": {"code": ..., "message": ...}}``
on stdout and a human message on stderr, and the other files carry on.

Exit codes:
    0  every file was processed (for ``compare``/``match``, whether or not anything matched)
    1  at least one file could not be read or hashed (the others were still processed)
    2  usage error (bad arguments, no files found)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence

from .core import ImageHashes, compute, compute_candidate
from .decode import Limits
from .errors import HashingError
from .matcher import DEFAULT_RULE, Matcher, MatchRule

EXIT_OK, EXIT_FILE_ERROR, EXIT_USAGE = 0, 1, 2


def _expand(paths: Sequence[str]) -> Iterator[str]:
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield os.path.join(root, f)
        else:
            yield p


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _fail(path: str, exc: HashingError, **extra: object) -> None:
    sys.stderr.write(f"hashing: {path}: {exc.message}\n")
    _emit({"file": path, **extra, "error": exc.to_dict()})


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(max_bytes=args.max_bytes, max_pixels=args.max_pixels)


def cmd_hash(args: argparse.Namespace) -> int:
    files = list(_expand(args.files))
    if not files:
        sys.stderr.write("hashing: no files to hash\n")
        return EXIT_USAGE
    status = EXIT_OK
    for path in files:
        try:
            h = compute(path, limits=_limits(args), features=args.features)
        except HashingError as exc:
            _fail(path, exc)
            status = EXIT_FILE_ERROR
            continue
        out = {"file": path, **(h.to_dict(include_features=args.features) if args.full else h.summary())}
        _emit(out)
    return status


def _rule(args: argparse.Namespace) -> MatchRule:
    if args.no_keypoints:
        return MatchRule(**{**DEFAULT_RULE.__dict__, "use_keypoints": False})
    return DEFAULT_RULE


def cmd_compare(args: argparse.Namespace) -> int:
    recs: list[ImageHashes] = []
    for path, fn in (
        (args.a, lambda p: compute(p, limits=_limits(args), features=True)),
        (args.b, lambda p: compute_candidate(p, limits=_limits(args))),
    ):
        try:
            recs.append(fn(path))
        except HashingError as exc:
            _fail(path, exc)
            return EXIT_FILE_ERROR
    res = Matcher([recs[0]], ids=[args.a], rule=_rule(args)).match(recs[1])
    _emit({"a": args.a, "b": args.b, **res.to_dict()})
    return EXIT_OK


def cmd_match(args: argparse.Namespace) -> int:
    ref_paths = list(_expand(args.refs))
    cand_paths = list(_expand(args.candidates))
    if not ref_paths or not cand_paths:
        sys.stderr.write("hashing: need at least one reference and one candidate file\n")
        return EXIT_USAGE
    status = EXIT_OK
    refs, ids = [], []
    for path in ref_paths:
        try:
            refs.append(compute(path, limits=_limits(args), features=not args.no_keypoints))
            ids.append(path)
        except HashingError as exc:
            _fail(path, exc, role="ref")
            status = EXIT_FILE_ERROR
    matcher = Matcher(refs, ids=ids, rule=_rule(args))
    for path in cand_paths:
        try:
            cand = (
                compute(path, limits=_limits(args))
                if args.no_keypoints
                else compute_candidate(path, limits=_limits(args))
            )
        except HashingError as exc:
            _fail(path, exc, role="candidate")
            status = EXIT_FILE_ERROR
            continue
        _emit({"candidate": path, **matcher.match(cand).to_dict()})
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hashing",
        description="Hash pictures and decide whether found pictures are copies of reference pictures.",
        epilog="Exit codes: 0 all files processed; 1 some file could not be hashed (others were); 2 usage error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--max-bytes", type=int, default=Limits.max_bytes, help="largest file accepted")
    parser.add_argument("--max-pixels", type=int, default=Limits.max_pixels, help="largest width×height accepted")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("hash", help="print the hashes of each picture as a JSON line")
    p.add_argument("files", nargs="+", metavar="FILE", help="pictures or folders")
    p.add_argument("--full", action="store_true", help="print the full matching record (variants too)")
    p.add_argument("--features", action="store_true", help="with --full: include the ORB keypoint blob")
    p.set_defaults(func=cmd_hash)
    p = sub.add_parser("compare", help="compare two pictures (A is the reference)")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--no-keypoints", action="store_true", help="decide on hashes only")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("match", help="match candidate pictures against reference pictures")
    p.add_argument("--refs", nargs="+", required=True, metavar="PATH")
    p.add_argument("--candidates", nargs="+", required=True, metavar="PATH")
    p.add_argument("--no-keypoints", action="store_true", help="decide on hashes only")
    p.set_defaults(func=cmd_match)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
