from django.urls import path

from dgov.hotline import views_staff as v

urlpatterns = [
    path("work/", v.queue, name="queue"),
    path("work/call/", v.call, name="call"),
    path("work/call/suggest/", v.call_suggest, name="call_suggest"),
    path("work/call/<int:pk>/registered/", v.call_done, name="call_done"),
    path("work/tickets/<int:pk>/", v.ticket_detail, name="ticket"),
    path("work/tickets/<int:pk>/dispatch/", v.ticket_dispatch, name="ticket_dispatch"),
    path("work/tickets/<int:pk>/merge/", v.ticket_merge, name="ticket_merge"),
    path("work/tickets/<int:pk>/sign/", v.ticket_sign, name="ticket_sign"),
    path("work/tickets/<int:pk>/return/", v.ticket_return, name="ticket_return"),
    path("work/tickets/<int:pk>/return/review/", v.ticket_return_review, name="ticket_return_review"),
    path("work/tickets/<int:pk>/extension/", v.extension_request, name="extension_request"),
    path("work/tickets/<int:pk>/extension/<int:extension_pk>/decide/", v.extension_decide, name="extension_decide"),
    path("work/tickets/<int:pk>/assist-reply/", v.ticket_assist_reply, name="ticket_assist_reply"),
    path("work/tickets/<int:pk>/reply/", v.ticket_reply, name="ticket_reply"),
    path("work/tickets/<int:pk>/callback/", v.ticket_callback, name="ticket_callback"),
    path("work/tickets/<int:pk>/close/", v.ticket_close, name="ticket_close"),
]
