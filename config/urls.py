from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from oauth2_provider import urls as oauth2_urls
from oauth2_provider.views import ConnectDiscoveryInfoView

from config.api import api
from dgov.accounts.admin_site import protect_admin_site
from dgov.core import views as core_views

protect_admin_site(admin.site)

# DOT's provider endpoints without its self-service application pages (/o/applications/…), which
# let any signed-in person register an OAuth client. Department systems are registered by the
# system administrator in the admin site.
oauth2_patterns = [p for p in oauth2_urls.urlpatterns if not str(p.pattern).startswith("applications/")]

urlpatterns = [
    path("", include("dgov.portal.urls")),
    path("accounts/", include("dgov.accounts.urls")),
    path("services/", include("dgov.catalog.urls")),
    path("workflow/", include("dgov.workflow.urls")),
    path("notices/", include("dgov.notices.urls")),
    path("cases/", include("dgov.cases.urls")),
    path("bundles/", include("dgov.bundles.urls")),
    path("licences/work/", include("dgov.licences.urls_staff")),
    path("licences/", include("dgov.licences.urls")),
    path("ratings/", include("dgov.ratings.urls")),
    path("registries/", include("dgov.registries.urls")),
    path("credit/", include("dgov.credit.urls")),
    path("esign/", include("dgov.esign.urls")),
    path("crossregion/", include("dgov.crossregion.urls")),
    path("hotline/", include("dgov.hotline.urls")),
    path("open311/v2/", include("dgov.hotline.urls_open311")),
    path("indicators/", include("dgov.indicators.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("o/", include((oauth2_patterns, oauth2_urls.app_name))),
    # OIDC discovery at the issuer's root, as OIDC Discovery 1.0 places it.
    path(".well-known/openid-configuration", ConnectDiscoveryInfoView.as_view(), name="oidc-discovery"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("elder-mode/", core_views.elder_mode, name="elder_mode"),
    path("healthz", core_views.healthz, name="healthz"),
]

handler403 = "dgov.core.errorviews.forbidden"
handler404 = "dgov.core.errorviews.not_found"
