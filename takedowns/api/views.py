"""API views: thin wrappers over selectors and services."""

from __future__ import annotations

import csv
import io

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from takedowns import selectors
from takedowns.api.permissions import IsPlatformStaff
from takedowns.api.serializers import (
    HASH_ROW_FIELDS,
    HashRowSerializer,
    NoticeAccountAnswerRequestSerializer,
    NoticeDetailSerializer,
    NoticeDisputeRequestSerializer,
    NoticeInfoRequestSerializer,
    NoticeListSerializer,
    NoticeRemovedRequestSerializer,
)
from takedowns.lifecycle import DELIVERED_STATES
from takedowns.models import ActorKind, NoticeStatus, Platform, PlatformKind
from takedowns.registry import STORED_FIELDS, tida_to_file
from takedowns.roles import is_advocate, platform_of
from takedowns.services import account_actions, outcomes

# The registry's internal remarks (``notes``) are for advocates: they may say how a website came to be added.
PUBLIC_PLATFORM_FIELDS = tuple(name for name in STORED_FIELDS if name != "notes")


class PlatformSerializer(serializers.ModelSerializer):
    """A registry entry as platform staff see it (their own entry only): the public registry fields."""

    # "unknown" rather than null, as the registry file spells it.
    tida_covered = serializers.SerializerMethodField()

    class Meta:
        model = Platform
        fields = ["slug", *PUBLIC_PLATFORM_FIELDS]

    def get_tida_covered(self, platform) -> bool | str:
        return tida_to_file(platform.tida_covered)


class AdvocatePlatformSerializer(PlatformSerializer):
    """A registry entry as advocates see it: every stored field, ``notes`` included."""

    class Meta(PlatformSerializer.Meta):
        fields = ["slug", *STORED_FIELDS]


class PlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """The platform registry: where each platform takes NCII reports, and its clock. Advocates read all of it;
    platform staff read their own platform's entry only (the registry's other websites, some added from a
    victim's report, are none of their business)."""

    serializer_class = PlatformSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "slug"

    def get_queryset(self):
        # The registry only: providers made from host lookups are not platforms a client can pick.
        registry = Platform.objects.filter(kind=PlatformKind.PLATFORM).order_by("name")
        user = getattr(self.request, "user", None)
        if is_advocate(user):
            return registry
        own = platform_of(user)
        return registry.filter(pk=own.pk) if own is not None else registry.none()

    def get_serializer_class(self):
        # No request while the OpenAPI schema is generated: describe the public shape.
        return AdvocatePlatformSerializer if is_advocate(getattr(self.request, "user", None)) else PlatformSerializer


class HashCSVRenderer(BaseRenderer):
    """The hash export as CSV: one row per fingerprinted reference image and notice."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        if isinstance(data, dict):  # an error ({"detail": ...})
            writer = csv.writer(out)
            writer.writerow(list(data))
            writer.writerow([str(v) for v in data.values()])
        else:
            writer = csv.DictWriter(out, fieldnames=HASH_ROW_FIELDS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(data or [])
        return out.getvalue().encode(self.charset)


HASH_RENDERERS = [JSONRenderer, BrowsableAPIRenderer, HashCSVRenderer]


def hash_export_rows(notices) -> list[dict]:
    """The PDQ signals of the notices' fingerprinted images (one query for all notices); never the images."""
    return [
        {
            "notice_reference": row["notice"],
            "notice_id": row["notice_id"],
            "signal_type": "pdq",
            "signal_value": row["pdq"],
            "pdq_quality": row["pdq_quality"],
            "md5": row["md5"],
            "phash": row["phash"],
        }
        for row in selectors.notices_hash_rows(notices)
        if row["pdq"]
    ]


ACTION_RESPONSES = {200: NoticeDetailSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT}
HASH_FORMAT = OpenApiParameter("format", str, enum=["json", "csv"], description="json (default) or csv")


class NoticeViewSet(viewsets.GenericViewSet):
    """Notices: platform staff see and answer only their platform's notices; advocates read all of them."""

    permission_classes = [IsAuthenticated]
    serializer_class = NoticeDetailSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.notices_for_user(self.request.user)

    def get_object(self):
        return selectors.notice_for_user(self.request.user, self.kwargs["pk"])

    def get_permissions(self):
        if self.action in {"acknowledge", "removed", "info_request", "dispute", "account_action"}:
            return [IsAuthenticated(), IsPlatformStaff()]
        return super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=NoticeStatus.values, description="only notices in this status"),
            OpenApiParameter("overdue", bool, description="true: only notices past their deadline"),
        ],
        responses=NoticeListSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in NoticeStatus.values:
                raise ValidationError({"status": f"Unknown status “{wanted}”."})
            qs = qs.filter(status=wanted)
        if request.query_params.get("overdue", "").lower() in {"true", "1", "yes"}:
            qs = selectors.notices_overdue(qs)
        page = self.paginate_queryset(selectors.notices_list_columns(qs).order_by("due_at", "id"))
        return self.get_paginated_response(NoticeListSerializer(page, many=True).data)

    @extend_schema(responses=NoticeDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(NoticeDetailSerializer(self.get_object()).data)

    def _done(self) -> Response:
        # Read afresh: the answer may have changed the notice and its account answer.
        return Response(NoticeDetailSerializer(self.get_object()).data)

    def _outcome(self, func, **kwargs) -> Response:
        notice = self.get_object()
        try:
            func(notice=notice, actor_kind=ActorKind.PLATFORM, actor_user=self.request.user, **kwargs)
        except (outcomes.OutcomeError, account_actions.AccountAnswerError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return self._done()

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        return self._outcome(outcomes.notice_acknowledge)

    @extend_schema(request=NoticeRemovedRequestSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def removed(self, request, *args, **kwargs):
        self.get_object()  # 404 before validation for another platform's notice
        body = NoticeRemovedRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._outcome(
            outcomes.notice_report_removed,
            location_ids=body.validated_data.get("location_ids"),
            note=body.validated_data["note"],
        )

    @extend_schema(request=NoticeInfoRequestSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="info-request")
    def info_request(self, request, *args, **kwargs):
        self.get_object()
        body = NoticeInfoRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._outcome(outcomes.notice_request_info, message=body.validated_data["message"])

    @extend_schema(request=NoticeDisputeRequestSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def dispute(self, request, *args, **kwargs):
        self.get_object()
        body = NoticeDisputeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._outcome(
            outcomes.notice_dispute, reason=body.validated_data["reason"], message=body.validated_data["message"]
        )

    @extend_schema(request=NoticeAccountAnswerRequestSerializer, responses=ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="account-action")
    def account_action(self, request, *args, **kwargs):
        """Tell the requester what you did about the uploader's account (``account``: suspended, removed,
        warned, no_action, not_found, not_applicable) and about re-uploads (``reupload``: blocking,
        not_possible, declined). Each is optional; give at least one."""
        self.get_object()  # 404 before validation for another platform's notice
        body = NoticeAccountAnswerRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._outcome(account_actions.notice_account_answer_record, **body.validated_data)

    @extend_schema(operation_id="v1_notices_hashes", parameters=[HASH_FORMAT], responses=HashRowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="hashes", renderer_classes=HASH_RENDERERS)
    def hashes(self, request, *args, **kwargs):
        """The notice's image hashes (PDQ signals) as JSON or CSV, for hash-matching; never the images."""
        return self._hash_response(request, [self.get_object()], f"notice-{kwargs['pk']}-hashes.csv")

    @extend_schema(
        operation_id="v1_notices_hashes_open", parameters=[HASH_FORMAT], responses=HashRowSerializer(many=True)
    )
    @action(detail=False, methods=["get"], url_path="hashes", renderer_classes=HASH_RENDERERS, pagination_class=None)
    def all_hashes(self, request, *args, **kwargs):
        """The image hashes of every open notice the caller can see (for platform staff: their platform's)."""
        notices = self.get_queryset().filter(status__in=DELIVERED_STATES).order_by("id")
        return self._hash_response(request, notices, "open-notices-hashes.csv")

    def _hash_response(self, request, notices, filename: str) -> Response:
        response = Response(hash_export_rows(notices))
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
