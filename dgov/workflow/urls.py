from django.urls import path

from dgov.workflow import views

app_name = "workflow"

# Keys are lowercase letters, digits and _, so "upload" and "v<n>" segments never collide with them.
urlpatterns = [
    path("", views.definition_list, name="list"),
    path("upload/", views.definition_new, name="new"),
    path("<slug:key>/upload/", views.definition_upload, name="upload"),
    path("<slug:key>/v<int:version>/", views.definition_detail, name="detail"),
    path("<slug:key>/v<int:version>/bpmn.xml", views.definition_xml, name="xml"),
    path("<slug:key>/v<int:version>/edit/", views.definition_edit, name="edit"),
    path("<slug:key>/v<int:version>/publish/", views.definition_publish, name="publish"),
]
