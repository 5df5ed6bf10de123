"""API permissions by role (takedowns.roles)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from takedowns.roles import platform_of


class IsPlatformStaff(BasePermission):
    """Only a platform's staff act on its notices; an advocate cannot answer as a platform."""

    message = "Only the platform's staff can respond to a notice."

    def has_permission(self, request, view) -> bool:
        return platform_of(request.user) is not None


class IsAdvocate(BasePermission):
    """Cases are filed and read by advocates; platform staff never see a case."""

    message = "Only advocates can file or read cases."

    def has_permission(self, request, view) -> bool:
        from takedowns.roles import is_advocate

        return is_advocate(request.user)
