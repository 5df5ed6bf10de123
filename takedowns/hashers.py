"""The hashers for staff passwords and for victims' access codes.

Django's default password hasher is deliberately slow (PBKDF2, about a million iterations) because people choose
guessable passwords. An access code is not chosen: it is 16 symbols drawn at random from 30 (about 78 bits), so
an attacker holding the hash still faces about 2^77 guesses on average, however fast each guess is. A thousand
iterations keep the stored form a salted PBKDF2 hash while taking a millisecond instead of about a second of CPU
per case — which, under load, was the queue behind "Send my request" (benchmarks/load/REPORT.md). Codes hashed
the old way still verify: their stored form names the default hasher, which stays in PASSWORD_HASHERS.
Never use this hasher for passwords people choose.

Staff passwords are Argon2id at Django's parameters, which take 100 MiB for each check. Every web thread may
check one at once, so a burst of sign-ins (a shift starting, or someone trying passwords from many addresses)
would take 100 MiB per thread of every process: ``StaffPasswordHasher`` lets ``PASSWORD_CHECKS_AT_ONCE`` checks
run at a time in a process and queues the rest. Stored hashes are Django's own (the algorithm name is the same).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

_checks: threading.BoundedSemaphore | None = None
_checks_lock = threading.Lock()


def _check_slot() -> threading.BoundedSemaphore:
    global _checks
    with _checks_lock:
        if _checks is None:
            _checks = threading.BoundedSemaphore(max(1, int(getattr(settings, "PASSWORD_CHECKS_AT_ONCE", 2))))
        return _checks


class StaffPasswordHasher(Argon2PasswordHasher):
    def encode(self, password, salt):
        with _check_slot():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with _check_slot():
            return super().verify(password, encoded)


class AccessCodeHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_code"
    iterations = 1_000
