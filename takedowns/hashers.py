"""The hasher for victims' access codes.

Django's default password hasher is deliberately slow (PBKDF2, about a million iterations) because people choose
guessable passwords. An access code is not chosen: it is 16 symbols drawn at random from 30 (about 78 bits), so
an attacker holding the hash still faces about 2^77 guesses on average, however fast each guess is. A thousand
iterations keep the stored form a salted PBKDF2 hash while taking a millisecond instead of about a second of CPU
per case — which, under load, was the queue behind "Send my request" (benchmarks/load/REPORT.md). Codes hashed
the old way still verify: their stored form names the default hasher, which stays in PASSWORD_HASHERS.
Never use this hasher for passwords people choose.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class AccessCodeHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_code"
    iterations = 1_000
