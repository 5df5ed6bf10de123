"""The hash exchange API for platforms' matching tools (HMA, python-threatexchange): the feed of shared signals,
lookups for platforms that hold no hash list, and opinions back. Each needs a platform token whose platform an
administrator granted the scope (``exchange:read`` or ``exchange:lookup``); advocates get 403."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hashing import InvalidHash, validate
from takedowns.api.permissions import IsPlatformStaff
from takedowns.models import EXCHANGE_LOOKUP, EXCHANGE_READ, OpinionKind, SignalType
from takedowns.roles import platform_of
from takedowns.selectors_exchange import (
    FEED_PAGE_MAX,
    LOOKUP_MAX,
    exchange_feed_page,
    exchange_signal_by_public_id,
    exchange_signals_by_value,
)
from takedowns.services.exchange import exchange_lookup, exchange_opinion_record
from takedowns.services.throttle import throttle_hit

# Lookups per token per minute: a platform checking uploads in batches of 100 makes far fewer; more looks like
# someone probing which pictures are shared.
LOOKUPS_PER_MINUTE = getattr(settings, "EXCHANGE_LOOKUPS_PER_MINUTE", 120)


def _scope_permission(scope: str):
    class HasScope(BasePermission):
        message = f"This token's platform has not been granted the {scope} scope."

        def has_permission(self, request, view) -> bool:
            platform = platform_of(request.user)
            return platform is not None and scope in (platform.exchange_scopes or [])

    HasScope.__name__ = f"HasScope_{scope.replace(':', '_')}"
    return HasScope


def _token_key(request) -> str:
    token = getattr(request.auth, "token_key", None)
    return f"token:{token}" if token else f"user:{request.user.pk}"


class FeedEntrySerializer(serializers.Serializer):
    cursor = serializers.IntegerField(help_text="This entry's position; resume with ?after= the last one read.")
    change = serializers.ChoiceField(choices=["addition", "deletion"])
    signal_id = serializers.CharField(help_text="Opaque; the key to merge additions and deletions on.")
    signal_type = serializers.ChoiceField(
        choices=SignalType.values, help_text="python-threatexchange signal-type name."
    )
    value = serializers.CharField(help_text="PDQ hex or MD5 hex; empty on a deletion of an erased case's signal.")
    at = serializers.DateTimeField()
    notice_references = serializers.ListField(
        child=serializers.CharField(), help_text="Your own notices for the same content, if any."
    )


class FeedPageSerializer(serializers.Serializer):
    results = FeedEntrySerializer(many=True)
    cursor = serializers.IntegerField(help_text="Store it: the next fetch asks for ?after=cursor.")
    next = serializers.CharField(allow_null=True, help_text="The next page while there is more; null when up to date.")


class ExchangeSignalsView(APIView):
    """The feed: additions and deletions of shared signals after ``?after=<cursor>``, oldest first, at most 1,000
    per page. A deletion means stop matching that signal id (the person withdrew, or an advocate retracted it)."""

    permission_classes = [IsAuthenticated, IsPlatformStaff, _scope_permission(EXCHANGE_READ)]
    throttle_classes: list = []  # a first fetch is a thousand pages; the page size bounds the work instead

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="Cursor of the last entry read (0 = from the start)."),
            OpenApiParameter("limit", int, description=f"Page size, at most {FEED_PAGE_MAX}."),
        ],
        responses=FeedPageSerializer,
    )
    def get(self, request):
        try:
            after = int(request.query_params.get("after", 0))
            limit = int(request.query_params.get("limit", FEED_PAGE_MAX))
        except ValueError:
            raise ValidationError({"after": "after and limit are whole numbers."}) from None
        if after < 0 or limit < 1:
            raise ValidationError({"after": "after must be >= 0 and limit >= 1."})
        page = exchange_feed_page(platform=platform_of(request.user), after=after, limit=limit)
        next_url = None
        if page.more:
            next_url = request.build_absolute_uri(
                f"{request.path}?after={page.cursor}&limit={min(limit, FEED_PAGE_MAX)}"
            )
        # The selector's rows are already the documented shape (FeedEntrySerializer) with plain JSON values, so the
        # page is written by the standard library's C encoder in one call: DRF's renderer, calling back into Python
        # for each entry's datetime, cost more than the query (a first fetch is a thousand such pages).
        body = json.dumps({"results": page.entries, "cursor": page.cursor, "next": next_url}, separators=(",", ":"))
        return HttpResponse(body, content_type="application/json")


class LookupItemSerializer(serializers.Serializer):
    signal_type = serializers.ChoiceField(choices=SignalType.values)
    value = serializers.CharField(max_length=64)

    def validate(self, data):
        name = "pdq" if data["signal_type"] == SignalType.PDQ else None
        value = data["value"].strip().lower()
        if name:
            try:
                value = validate(name, value)
            except InvalidHash as exc:
                raise serializers.ValidationError({"value": exc.message}) from None
        elif len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
            raise serializers.ValidationError({"value": "An MD5 is 32 hex digits."})
        return {"signal_type": data["signal_type"], "value": value}


class LookupRequestSerializer(serializers.Serializer):
    hashes = LookupItemSerializer(many=True, allow_empty=False, max_length=LOOKUP_MAX)


class LookupResultSerializer(serializers.Serializer):
    signal_type = serializers.CharField()
    value = serializers.CharField()
    match = serializers.BooleanField()
    signal_id = serializers.CharField(allow_null=True)
    distance = serializers.IntegerField(allow_null=True, help_text="PDQ bits apart (match at <= 31); 0 for MD5.")


class ExchangeLookupView(APIView):
    """Up to 100 PDQ / MD5 values: for each, whether it matches a shared signal, which one and how far. Nothing
    about the case or the person is returned."""

    permission_classes = [IsAuthenticated, IsPlatformStaff, _scope_permission(EXCHANGE_LOOKUP)]
    throttle_classes: list = []  # limited per token below, failing open when the cache is down

    @extend_schema(request=LookupRequestSerializer, responses=LookupResultSerializer(many=True))
    def post(self, request):
        if not throttle_hit(f"exchange-lookup:{_token_key(request)}", LOOKUPS_PER_MINUTE, 60, fail_open=True):
            raise Throttled(wait=60, detail=_("Too many lookups with this token. Try again in a minute."))
        incoming = LookupRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = [(h["signal_type"], h["value"]) for h in incoming.validated_data["hashes"]]
        results = exchange_lookup(platform=platform_of(request.user), values=values, actor_user=request.user)
        return Response({"results": LookupResultSerializer(results, many=True).data})


class OpinionRequestSerializer(serializers.Serializer):
    signal_id = serializers.CharField(required=False, max_length=32)
    signal_type = serializers.ChoiceField(choices=SignalType.values, required=False)
    value = serializers.CharField(required=False, max_length=64)
    opinion = serializers.ChoiceField(choices=OpinionKind.values, help_text="blocked or false_positive.")

    def validate(self, data):
        if not data.get("signal_id") and not (data.get("signal_type") and data.get("value")):
            raise serializers.ValidationError("Give signal_id, or signal_type and value.")
        return data


class ExchangeOpinionView(APIView):
    """Tell Recourse what a signal did: ``blocked`` (an upload matched and was blocked) or ``false_positive``.
    By ``signal_id``, or by ``signal_type`` and ``value`` (as python-threatexchange reports)."""

    permission_classes = [
        IsAuthenticated,
        IsPlatformStaff,
        _scope_permission(EXCHANGE_READ) | _scope_permission(EXCHANGE_LOOKUP),
    ]

    @extend_schema(request=OpinionRequestSerializer, responses={201: None})
    def post(self, request):
        incoming = OpinionRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data.get("signal_id"):
            signal = exchange_signal_by_public_id(data["signal_id"])
            signals = [signal] if signal else []
        else:
            signals = exchange_signals_by_value(signal_type=data["signal_type"], value=data["value"])
        if not signals:
            return Response({"detail": "No such shared signal."}, status=status.HTTP_404_NOT_FOUND)
        recorded = exchange_opinion_record(
            signals=signals, platform=platform_of(request.user), kind=data["opinion"], actor_user=request.user
        )
        return Response({"recorded": len(recorded)}, status=status.HTTP_201_CREATED)
