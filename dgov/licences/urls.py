from django.urls import path

from dgov.licences import views

app_name = "licences"

urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("uses/", views.uses, name="uses"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf", views.pdf, name="pdf"),
    path("<int:pk>/share/", views.share_create, name="share_create"),
    path("<int:pk>/shares/<int:share_pk>/revoke/", views.share_revoke, name="share_revoke"),
    path("s/<str:token>/", views.share, name="share"),
    path("s/<str:token>/pdf", views.share_pdf, name="share_pdf"),
    path("verify/", views.verify, name="verify"),
    path("keys/", views.keys, name="keys"),
    path("keys.json", views.keys_json, name="keys_json"),
]
