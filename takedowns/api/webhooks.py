"""Webhook endpoints in the API: platform staff register where new notices and withdrawals are POSTed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from takedowns.api.permissions import IsPlatformStaff
from takedowns.models import WebhookEndpoint
from takedowns.roles import platform_of
from takedowns.services import webhooks


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]


class WebhookCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The HMAC-SHA256 key for X-Recourse-Signature. Shown only once.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Your platform's webhook endpoints (HTTPS). Deliveries carry `X-Recourse-Signature: t=<unix>,v1=<hex>`,
    the HMAC-SHA256 of `"<t>." + body` with the endpoint's secret; events `notice.sent` and `notice.withdrawn`."""

    permission_classes = [IsAuthenticated, IsPlatformStaff]
    serializer_class = WebhookEndpointSerializer

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(platform=platform_of(self.request.user), active=True).order_by("id")

    @extend_schema(responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        incoming = WebhookEndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhooks.webhook_endpoint_register(
                platform=platform_of(request.user), url=incoming.validated_data["url"], actor_user=request.user
            )
        except webhooks.WebhookError as exc:
            raise ValidationError({"url": [str(exc)]}) from exc
        body = WebhookEndpointSerializer(endpoint).data | {"secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhooks.webhook_endpoint_deactivate(endpoint=instance, actor_user=self.request.user)
