from rest_framework.routers import DefaultRouter

from takedowns.api.views import PlatformViewSet

router = DefaultRouter()
router.register("platforms", PlatformViewSet, basename="platform")

urlpatterns = router.urls
