"""API views: thin wrappers over selectors and services."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from takedowns.models import Platform


class PlatformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Platform
        fields = [
            "slug",
            "name",
            "domains",
            "channel",
            "contact_email",
            "webform_url",
            "regime",
            "response_hours",
            "hash_programmes",
            "channel_verified",
            "notes",
        ]


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """The platform registry: where each platform takes NCII reports, and its clock."""

    serializer_class = PlatformSerializer
    permission_classes = [IsAuthenticated]
    queryset = Platform.objects.order_by("name")
    lookup_field = "slug"
