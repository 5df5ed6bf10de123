"""An authentication backend that only waits: listed after axes' and before Django's model backend, it delays a
sign-in attempt on a user name that many addresses have failed on (takedowns/services/sign_in.py), then lets
the next backend check the password."""

from __future__ import annotations

from takedowns.services.sign_in import sign_in_slow_down


class UsernameSlowDownBackend:
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and username:
            sign_in_slow_down(username=username)
        # Never authenticates anyone itself, and has no get_user(): sessions and force_login belong to the
        # model backend.
        return None
