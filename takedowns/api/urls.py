from rest_framework.routers import DefaultRouter

from takedowns.api.cases import CaseViewSet
from takedowns.api.views import NoticeViewSet, PlatformViewSet

router = DefaultRouter()
router.register("platforms", PlatformViewSet, basename="platform")
router.register("notices", NoticeViewSet, basename="notice")
router.register("cases", CaseViewSet, basename="case")

urlpatterns = router.urls
