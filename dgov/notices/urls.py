from django.urls import path

from dgov.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read-all/", views.notice_mark_all_read, name="read_all"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_mark_read, name="read"),
]
