from django.urls import path
from rest_framework.routers import DefaultRouter

from takedowns.api.cases import CaseViewSet
from takedowns.api.discovery import FindingViewSet, WatchedSiteViewSet
from takedowns.api.exchange import ExchangeLookupView, ExchangeOpinionView, ExchangeSignalsView
from takedowns.api.views import NoticeViewSet, PlatformViewSet
from takedowns.api.webhooks import WebhookEndpointViewSet

router = DefaultRouter()
router.register("platforms", PlatformViewSet, basename="platform")
router.register("notices", NoticeViewSet, basename="notice")
router.register("cases", CaseViewSet, basename="case")
router.register("watchlist", WatchedSiteViewSet, basename="watchlist")
router.register("findings", FindingViewSet, basename="finding")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    *router.urls,
    path("exchange/signals/", ExchangeSignalsView.as_view(), name="exchange-signals"),
    path("exchange/lookup/", ExchangeLookupView.as_view(), name="exchange-lookup"),
    path("exchange/opinions/", ExchangeOpinionView.as_view(), name="exchange-opinions"),
]
