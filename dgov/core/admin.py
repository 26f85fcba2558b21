"""The working-day calendar in the admin site: years are loaded by import or seeding, days are
edited one at a time, gaps are read-only. Every write goes through dgov.core.workdays, which
audits it and renews the year's revision so cached calendars are reloaded."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dgov.accounts.admin_site import AuditedModelAdmin, ReadOnlyAdminMixin
from dgov.core.errors import ApplicationError
from dgov.core.models import CalendarDay, CalendarGap, CalendarYear
from dgov.core.workdays import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_day_check,
    calendar_day_remove,
    calendar_day_set,
    calendar_gaps_open,
    calendar_import_csv,
)

MAX_IMPORT_BYTES = 64 * 1024


class ServiceAuditedAdmin(AuditedModelAdmin):
    """The services called by this admin write the audit records (with the request) themselves."""

    def _audit(self, request: HttpRequest, obj: Any, action: str, detail: dict[str, Any]) -> None:
        return None


class CalendarDayInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CalendarDay
    fields = ("date", "weekday", "is_workday", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS_ABBR[obj.date.weekday()])


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    notice = forms.CharField(
        label=gettext_lazy("notice"),
        max_length=200,
        required=False,  # checked by the service, so that row errors are shown in the same pass
        help_text=gettext_lazy("The reference of the State Council notice, e.g. 国办发明电〔2025〕7号."),
    )
    file = forms.FileField(label=gettext_lazy("CSV file"), required=False)
    text = forms.CharField(
        label=gettext_lazy("or paste the CSV"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 60}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(_("The file is larger than 64 KB; a holiday notice is far smaller."))
            raw = upload.read()
            for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GB18030
                try:
                    data["csv_text"] = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise forms.ValidationError(_("The file is neither UTF-8 nor GB18030 text."))
        elif data.get("text", "").strip():
            data["csv_text"] = data["text"]
        else:
            raise forms.ValidationError(_("Choose a CSV file or paste its text."))
        return data


def _row_errors(field_errors: dict[str, list[str]]) -> list[tuple[int, list[str]]]:
    rows = [(int(key[4:]), msgs) for key, msgs in field_errors.items() if key.startswith("row:")]
    return sorted(rows)


@admin.register(CalendarYear)
class CalendarYearAdmin(ServiceAuditedAdmin):
    list_display = ("year", "source", "notice", "holidays", "workdays", "loaded_at", "loaded_by")
    list_filter = ("source",)
    fields = ("year", "source", "notice", "loaded_at", "loaded_by")
    readonly_fields = fields
    inlines = (CalendarDayInline,)
    change_list_template = "core/admin/calendaryear_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .select_related("loaded_by")
            .annotate(
                n_holidays=Count("days", filter=Q(days__is_workday=False)),
                n_workdays=Count("days", filter=Q(days__is_workday=True)),
            )
        )

    @admin.display(description=gettext_lazy("holidays"), ordering="n_holidays")
    def holidays(self, obj: Any) -> int:
        return int(obj.n_holidays)

    @admin.display(description=gettext_lazy("make-up working days"), ordering="n_workdays")
    def workdays(self, obj: Any) -> int:
        return int(obj.n_workdays)

    # Years are loaded by import or by seed_calendar, never typed in as an empty year.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="core_calendaryear_import"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "gaps": calendar_gaps_open()})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import one year's State Council notice from CSV; on any wrong row nothing is written."""
        form = CalendarImportForm(
            request.POST or None, request.FILES or None, initial={"year": request.GET.get("year")}
        )
        row_errors: list[tuple[int, list[str]]] = []
        if request.method == "POST" and form.is_valid():
            try:
                cy = calendar_import_csv(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    notice=form.cleaned_data["notice"],
                    text=form.cleaned_data["csv_text"],
                    request=request,
                )
            except ApplicationError as exc:
                row_errors = _row_errors(exc.field_errors)
                form.add_error(None, exc.message)
                for field in ("year", "notice", "text"):
                    for message in exc.field_errors.get(field, []):
                        form.add_error(field, message)
            else:
                self.message_user(
                    request, _("The calendar of %(year)s was imported.") % {"year": cy.year}, messages.SUCCESS
                )
                return redirect("admin:core_calendaryear_change", cy.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a holiday notice"),
            "opts": self.model._meta,
            "form": form,
            "row_errors": row_errors,
        }
        return TemplateResponse(request, "core/admin/calendar_import.html", context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_workday", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("date") or self.instance.date  # read-only once the row exists
        if day and data.get("name") is not None and not self.errors:
            try:
                calendar_day_check(day=day, is_workday=bool(data.get("is_workday")), name=data["name"])
            except ApplicationError as exc:
                for field, field_messages in exc.field_errors.items():
                    for message in field_messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAuditedAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "is_workday", "name", "year")
    list_filter = ("year", "is_workday")
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS_ABBR[obj.date.weekday()])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("date",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_set(
            actor=request.user, day=obj.date, is_workday=obj.is_workday, name=obj.name, request=request
        )
        obj.pk, obj.year_id = saved.pk, saved.year_id
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_remove(actor=request.user, day=obj.date, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        with transaction.atomic():
            for day in queryset.values_list("date", flat=True):
                calendar_day_remove(actor=request.user, day=day, request=request)


@admin.register(CalendarGap)
class CalendarGapAdmin(AuditedModelAdmin):
    list_display = ("year", "first_needed_at", "last_needed_at", "times", "resolved_at")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter),)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
