from django.urls import path

from dgov.licences import views_staff as views

app_name = "licences_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("seals/", views.seal_list, name="seal_list"),
    path("seals/new/", views.seal_create, name="seal_create"),
    path("seals/<int:pk>/", views.seal_detail, name="seal_detail"),
    path("seals/<int:pk>/picture.png", views.seal_picture, name="seal_picture"),
    path("seals/<int:pk>/rotate/", views.seal_rotate, name="seal_rotate"),
    path("seals/<int:pk>/status/", views.seal_status, name="seal_status"),
    path("licences/", views.licence_list, name="licence_list"),
    path("licences/<int:pk>/", views.licence_detail, name="licence_detail"),
    path("licences/<int:pk>/status/", views.licence_status, name="licence_status"),
    path("licences/<int:pk>/change/", views.licence_change, name="licence_change"),
    path("licences/<int:pk>/renew/", views.licence_renew, name="licence_renew"),
    path("cases/<int:case_pk>/issue/", views.issue_for_case, name="issue_for_case"),
    path("lookup/", views.lookup, name="lookup"),
    path("indicators/", views.indicators, name="indicators"),
]
