from django.urls import path

from dgov.crossregion import views

app_name = "crossregion"

urlpatterns = [
    path("", views.handover_list, name="list"),
    path("new/", views.handover_new, name="new"),
    path("new/<int:peer_id>/<str:code>/", views.handover_apply, name="apply"),
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/", views.handover_detail, name="detail"),
    path("<int:pk>/receipt/", views.handover_receipt, name="receipt"),
    path("<int:pk>/retry/", views.handover_retry, name="retry"),
]
