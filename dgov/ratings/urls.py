from django.urls import path

from dgov.ratings import views

app_name = "ratings"

urlpatterns = [
    path("cases/<int:case_pk>/", views.rate, name="rate"),
    path("kiosk/cases/<int:case_pk>/", views.rate_kiosk, name="rate_kiosk"),
    path("r/<str:token>/", views.link, name="link"),
    path("pad/", views.pad_find, name="pad_find"),
    path("pad/cases/<int:case_pk>/", views.pad_rate, name="pad_rate"),
    path("pad/cases/<int:case_pk>/invite/", views.pad_invite, name="pad_invite"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("mine/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("work/", views.work_list, name="work_list"),
    path("work/<int:pk>/", views.work_detail, name="work_detail"),
    path("work/<int:pk>/ledger/<int:entry_pk>/done/", views.ledger_done, name="ledger_done"),
    path("work/<int:pk>/<slug:action>/", views.work_act, name="work_act"),
    path("work/exclusions/", views.exclusions, name="exclusions"),
    path("work/exclusions/<int:pk>/decide/", views.exclusion_decide, name="exclusion_decide"),
    path("stats/", views.stats, name="stats"),
]
