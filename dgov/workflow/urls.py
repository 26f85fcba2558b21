from django.urls import path

from dgov.workflow import views, views_decisions

app_name = "workflow"

# Keys are lowercase letters, digits and _, so "upload" and "v<n>" segments never collide with them.
# The decision-table console comes first: "decisions/upload/" would otherwise read as the upload
# page of a process keyed "decisions".
urlpatterns = [
    path("decisions/", views_decisions.decision_list, name="decision_list"),
    path("decisions/upload/", views_decisions.decision_upload, name="decision_upload"),
    path("decisions/records/", views_decisions.decision_records, name="decision_records"),
    path("decisions/records/<int:pk>/", views_decisions.decision_record, name="decision_record"),
    path("decisions/<slug:key>/v<int:version>/", views_decisions.decision_detail, name="decision_detail"),
    path("decisions/<slug:key>/v<int:version>/dmn.xml", views_decisions.decision_xml, name="decision_xml"),
    path("decisions/<slug:key>/v<int:version>/edit/", views_decisions.decision_edit, name="decision_edit"),
    path("decisions/<slug:key>/v<int:version>/publish/", views_decisions.decision_publish, name="decision_publish"),
    path("", views.definition_list, name="list"),
    path("upload/", views.definition_new, name="new"),
    path("<slug:key>/upload/", views.definition_upload, name="upload"),
    path("<slug:key>/v<int:version>/", views.definition_detail, name="detail"),
    path("<slug:key>/v<int:version>/bpmn.xml", views.definition_xml, name="xml"),
    path("<slug:key>/v<int:version>/edit/", views.definition_edit, name="edit"),
    path("<slug:key>/v<int:version>/publish/", views.definition_publish, name="publish"),
]
