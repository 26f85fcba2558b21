from django.urls import path

from dgov.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("table.xlsx", views.table_xlsx, name="table_xlsx"),
    path("table.pdf", views.table_pdf, name="table_pdf"),
    path("snapshot/", views.snapshot, name="snapshot"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("kiosks/", views.kiosks, name="kiosks"),
    path("kiosks/<int:pk>/retire/", views.kiosk_retire, name="kiosk_retire"),
    path("<slug:key>/", views.indicator_detail, name="detail"),
    path("<slug:key>/records/", views.drill_down, name="records"),
    path("<slug:key>/records.xlsx", views.drill_down_xlsx, name="records_xlsx"),
    path("<slug:key>/report/", views.report, name="report"),
    path("<slug:key>/targets/", views.targets, name="targets"),
]
