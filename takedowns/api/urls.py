from rest_framework.routers import DefaultRouter

from takedowns.api.views import NoticeViewSet, PlatformViewSet

router = DefaultRouter()
router.register("platforms", PlatformViewSet, basename="platform")
router.register("notices", NoticeViewSet, basename="notice")

urlpatterns = router.urls
