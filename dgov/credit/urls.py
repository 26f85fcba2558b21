from django.urls import path

from dgov.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("import/", views.entry_import, name="import"),
    path("check/", views.check, name="check"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("<int:pk>/withdraw/", views.entry_withdraw, name="withdraw"),
]
