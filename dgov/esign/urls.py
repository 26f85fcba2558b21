from django.urls import path

from dgov.esign import views

app_name = "esign"

urlpatterns = [
    path("seal/", views.seal, name="seal"),
    path("seal/<int:pk>/revoke/", views.seal_revoke, name="seal_revoke"),
    path("seal/<int:pk>/picture.png", views.seal_picture, name="seal_picture"),
    path("code/", views.code_send, name="code_send"),
    path("signatures/<int:pk>/drawing.png", views.signature_drawing, name="signature_drawing"),
]
