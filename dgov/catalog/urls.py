from django.urls import path

from dgov.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("manage/", views.manage_home, name="manage"),
    path("manage/import/", views.manage_import, name="manage_import"),
    path("manage/export/", views.manage_export, name="manage_export"),
    path("manage/items/<int:pk>/", views.manage_item, name="manage_item"),
    path("manage/items/<int:pk>/publish/", views.manage_publish, name="manage_publish"),
    path("manage/items/<int:pk>/withdraw/", views.manage_withdraw, name="manage_withdraw"),
    path("manage/items/<int:pk>/new-version/", views.manage_new_version, name="manage_new_version"),
    # Item codes are capital letters, digits and hyphens, so they never collide with "manage".
    path("<str:code>/", views.item_detail, name="detail"),
]
