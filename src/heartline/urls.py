from django.contrib import admin
from django.urls import include, path

from heartline.api import api
from heartline.web.views import ops
from heartline.web.views.auth import admin_login

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("admin/login/", admin_login),  # the admin signs in through our audited, 2FA login
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("heartline.web.urls")),
]
