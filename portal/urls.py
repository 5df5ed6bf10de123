"""Top-level URLs. The admin lives under a non-obvious path prefix set by ADMIN_PATH
(portal/settings/security.py; production refuses the default admin/)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from takedowns.api.docs import ApiDocsView
from takedowns.web import public

admin.site.site_header = "Recourse administration"
admin.site.site_title = "Recourse"


urlpatterns = [
    path("", include("takedowns.web.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("takedowns.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", public.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]
