"""Open311 GeoReport v2 at /open311/v2/ (dgov.hotline.open311): every resource as .xml or .json."""

from django.urls import re_path

from dgov.hotline import open311

app_name = "open311"

FORMAT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,64})" + FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, open311.service_requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]{1,64})" + FORMAT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,64})" + FORMAT, open311.token_detail, name="token"),
]
