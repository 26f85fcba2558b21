"""Regions, departments, people and their roles: who is who on the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dgov.core.fields import EncryptedTextField
from dgov.core.masking import mask_id_number, mask_name, mask_phone


class Region(models.Model):
    """A GB/T 2260-style coded area: the district, its subdistricts (街道), their communities."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        COMMUNITY = "community", _("Village or community")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Codes of the ancestors and itself, "/"-joined: scope checks are one prefix match.
    path = models.CharField(max_length=200, db_index=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False, help_text=_("Name or code invented for the demo."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def contains(self, other: Region | None) -> bool:
        return other is not None and (other.path + "/").startswith(self.path + "/")


class Department(models.Model):
    """A government body of the district: a district department, a branch or a subdistrict office."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District department")
        BRANCH = "branch", _("Branch of a city department")
        SUBDISTRICT = "subdistrict", _("Subdistrict office")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    # 统一社会信用代码 (GB 32100): 18 characters.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the page's language (English pages show name_en when there is one)."""
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    APPROVER = "approver", _("Department approver")
    DEPT_ADMIN = "dept_admin", _("Department administrator")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TICKET_HANDLER = "ticket_handler", _("Ticket handler")
    GRID_WORKER = "grid_worker", _("Grid worker")
    LEADER = "leader", _("Leader")
    DATA_OFFICER = "data_officer", _("Data officer")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 等保2.0 三员分立: no account may hold two of these.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class User(AbstractUser):
    """A citizen, an enterprise's agent, or a member of staff."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        ENTERPRISE = "enterprise", _("Enterprise")
        STAFF = "staff", _("Staff")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    real_name = models.CharField(_("real name"), max_length=64, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, context="accounts.user.id_number")
    id_number_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"), blank=True, context="accounts.user.phone")
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="residents", verbose_name=_("region")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("department")
    )
    enterprise_name = models.CharField(_("enterprise name"), max_length=100, blank=True)
    enterprise_credit_code = models.CharField(_("enterprise credit code"), max_length=18, blank=True)
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    is_demo = models.BooleanField(_("demo account"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    if TYPE_CHECKING:
        # Set on the instance by django_otp's OTPMiddleware.
        def is_verified(self) -> bool: ...

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="staff") | models.Q(department__isnull=False),
                name="staff_has_department",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class RoleAssignment(models.Model):
    """A role held by a user, scoped to a department and/or a region (and everything below it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # One constraint per scope shape, since NULLs are distinct in unique indexes.
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(department__isnull=True, region__isnull=True),
                name="unique_role_unscoped",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=models.Q(department__isnull=False, region__isnull=True),
                name="unique_role_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(department__isnull=True, region__isnull=False),
                name="unique_role_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department", "region"],
                condition=models.Q(department__isnull=False, region__isnull=False),
                name="unique_role_department_region",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or self.region or "-"
        return f"{self.get_role_display()} @ {scope}"


class PasswordHistory(models.Model):
    """Earlier password hashes of staff, so a new password cannot repeat the last few."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for another government system; only its digest is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        SUBMIT = "submit", _("Submit on behalf of users")
        PARTNER = "partner", _("Partner channel")

    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("department")
    )
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ActiveDay(models.Model):
    """A day (Beijing time) on which a person signed in or used the platform signed in: the
    platform's own login record behind the daily-active-user indicators (plan 9–11). One row per
    person and day; ``kind`` is the person's side that day (citizen, enterprise or staff)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="active_days")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=User.Kind.choices)

    class Meta:
        ordering = ["-day", "user_id"]
        verbose_name = _("active day")
        verbose_name_plural = _("active days")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="accounts_one_active_day")]
        indexes = [models.Index(fields=["kind", "day"], name="accounts_active_kind_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"

    @property
    def person_masked(self) -> str:
        """Who, as lists for leaders show a person: the masked name (or masked username)."""
        return mask_name(self.user.real_name) if self.user.real_name else mask_name(self.user.username)
