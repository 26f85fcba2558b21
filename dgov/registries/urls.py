from django.urls import path

from dgov.registries import views

app_name = "registries"

urlpatterns = [
    path("my-reads/", views.my_reads, name="my_reads"),
]
