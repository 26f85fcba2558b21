"""The service catalogue: items (政务服务事项) and their standard guide (办事指南), versioned.

One row per version. ``ServiceItem`` is one version of one item: the item's identity is its
``code`` (实施编码, see dgov.catalog.coding), and ``(code, version)`` is unique. A version is a
draft, then published, then superseded (a later version was published) or withdrawn (the item
is no longer offered). At most one version of a code is published and at most one is a draft,
both enforced by partial unique constraints. Cases point at the version row they were submitted
under, so a later edit of the guide never changes what an applicant applied for; published,
superseded and withdrawn rows are never edited (only their status moves on).

Every write goes through dgov.catalog.services.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core.workdays import CALENDAR_TZ


def _english_page() -> bool:
    return (get_language() or "").startswith("en")


class LifeEvent(models.Model):
    """A life event (主题) that groups items: 出生, 就业, 养老, 开办企业 … (reference data)."""

    class Audience(models.TextChoices):
        PERSON = "person", _("Individuals")
        ENTERPRISE = "enterprise", _("Enterprises")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32, unique=True)
    name_en = models.CharField(_("English name"), max_length=64)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["audience", "position", "code"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if self.name_en and _english_page() else self.name


class ServiceItem(models.Model):
    """One version of a catalogued service item with its guide, materials and application form."""

    class Kind(models.TextChoices):
        LICENSING = "licensing", _("Administrative licensing")
        CONFIRMATION = "confirmation", _("Administrative confirmation")
        PAYMENT = "payment", _("Administrative payment")
        ADJUDICATION = "adjudication", _("Administrative adjudication")
        OTHER_POWER = "other_power", _("Other administrative power")
        PUBLIC_SERVICE = "public_service", _("Public service")

    class Subject(models.TextChoices):
        PERSON = "person", _("Individuals")
        ENTERPRISE = "enterprise", _("Enterprises and organisations")
        BOTH = "both", _("Individuals, enterprises and organisations")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        WINDOW = "window", _("Service hall window")
        KIOSK = "kiosk", _("Self-service kiosk")
        MOBILE = "mobile", _("Mobile app")
        PARTNER = "partner", _("Partner outlet (bank, post office)")

    class OnlineDepth(models.IntegerChoices):
        # 网上办理深度: the four levels used by the national integrated platform.
        GUIDE = 1, _("Level 1: guide online")
        FORMS = 2, _("Level 2: forms to download")
        APPLY = 3, _("Level 3: apply online, visit once to finish")
        FULL = 4, _("Level 4: fully online")

    # Identity and version
    code = models.CharField(
        _("item code"), max_length=64, db_index=True, help_text=_("Implementation code (实施编码).")
    )
    basic_code = models.CharField(_("basic code"), max_length=32, help_text=_("Basic catalogue code (基本编码)."))
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    # What it is and who owns it
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("who can apply"), max_length=16, choices=Subject.choices)
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="items", verbose_name=_("life events"))
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Other words people search with, separated by spaces.")
    )

    # The guide
    legal_basis = models.TextField(_("legal basis"))
    conditions = models.TextField(_("conditions"))
    # Time limits in Chinese working days (行政许可法 第八十二条); 0 means on the spot (即办).
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    fee_charged = models.BooleanField(_("fee charged"), default=False)
    fee_standard = models.CharField(_("fee"), max_length=500, blank=True)
    fee_basis = models.TextField(_("basis of the fee"), blank=True)
    channels = models.JSONField(_("channels"), default=list)
    online_depth = models.PositiveSmallIntegerField(
        _("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.GUIDE
    )
    max_visits = models.PositiveSmallIntegerField(_("maximum counter visits"), default=1)
    service_location = models.TextField(_("where to apply in person"), blank=True)
    service_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    enquiry_phone = models.CharField(_("enquiry telephone"), max_length=100, blank=True)

    # Flags the indicators count (plan indicators 1–4, 7, 21)
    comprehensive_window = models.BooleanField(_("accepted at the comprehensive window"), default=False)
    high_frequency = models.BooleanField(_("high-frequency item"), default=False)
    cross_province = models.BooleanField(_("handled across provinces"), default=False)
    single_sign_on = models.BooleanField(_("single sign-on"), default=False)
    instant_approval = models.BooleanField(_("instant approval"), default=False)
    # 四免, computed from the version's configuration (dgov.catalog.exemptions) by the services
    # every time the version or its materials are written; never typed in. Stored so that indicator
    # 4 and the filters read a column.
    material_exempt = models.BooleanField(
        _("no re-submitting of government-issued materials"), default=False, editable=False
    )
    prefill = models.BooleanField(_("known data prefilled"), default=False, editable=False)
    e_seal = models.BooleanField(_("e-seal instead of a stamp"), default=False, editable=False)
    e_signature = models.BooleanField(_("e-signature instead of a handwritten one"), default=False, editable=False)
    # 应查必查: the applicant is checked against the credit list (dgov.credit) during the process.
    credit_check = models.BooleanField(_("credit list checked"), default=False)

    # Result, form and process
    result_name = models.CharField(_("result"), max_length=200, blank=True)
    output_licence_type = models.CharField(_("licence type issued"), max_length=64, blank=True)
    form_schema = models.JSONField(_("application form (JSON Schema)"), default=dict, blank=True)
    process_key = models.CharField(_("process"), max_length=64, default="standard_case")
    # The decision table (DMN key) an instant-approval item's process decides by (dgov.workflow.decisions).
    decision_key = models.CharField(_("decision table"), max_length=64, blank=True)

    # Pre-segmented search text (tokens joined by spaces, padded with a space at both ends), by weight.
    search_name = models.TextField(editable=False, default="")
    search_tags = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")

    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("superseded or withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="catalog_item_code_version"),
            # "The guide of item C" is never ambiguous, and edits gather in one draft.
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(status="published"), name="catalog_one_published_per_code"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(status="draft"), name="catalog_one_draft_per_code"
            ),
            models.CheckConstraint(
                condition=models.Q(promised_days__lte=models.F("statutory_days")),
                name="catalog_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=models.Q(online_depth__gte=1, online_depth__lte=4), name="catalog_online_depth_1_4"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="catalog_item_status_dept"),
            models.Index(fields=["status", "kind"], name="catalog_item_status_kind"),
            # The catalogue's browsing order (no search): high-frequency items first, then by code.
            models.Index(fields=["status", "-high_frequency", "code"], name="catalog_item_browse"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.name}"

    @property
    def label(self) -> str:
        """The name in the page's language (English pages show name_en when there is one)."""
        return self.name_en if self.name_en and _english_page() else self.name

    @property
    def is_on_application(self) -> bool:
        return self.kind in ON_APPLICATION_KINDS

    @property
    def is_full_online(self) -> bool:
        return self.online_depth == self.OnlineDepth.FULL

    @property
    def is_zero_visit(self) -> bool:
        return self.max_visits == 0

    @property
    def has_four_exemptions(self) -> bool:
        return self.material_exempt and self.prefill and self.e_seal and self.e_signature

    def channel_labels(self) -> list[str]:
        labels = dict(self.Channel.choices)
        return [str(labels[c]) for c in self.channels if c in labels]

    def badges(self) -> list[str]:
        """The flags shown on the guide, in a fixed order."""
        flags = [
            (self.is_full_online, _("Fully online")),
            (self.is_zero_visit, _("Zero visits")),
            (self.instant_approval, _("Instant approval")),
            (self.comprehensive_window, _("Comprehensive window")),
            (self.high_frequency, _("High-frequency")),
            (self.cross_province, _("Cross-province")),
            (self.single_sign_on, _("Single sign-on")),
            (self.material_exempt, _("No re-submitting")),
            (self.prefill, _("Prefilled")),
            (self.e_seal, _("E-seal")),
            (self.e_signature, _("E-signature")),
        ]
        return [str(label) for on, label in flags if on]


# 依申请政务服务事项 (the denominator of indicators 1 and 3). The catalogue holds only items a
# person or an enterprise applies for: the 依职权 powers (处罚, 强制, 检查, 征收) are not services and
# are not catalogued. 政务服务事项 are 依申请的行政权力事项 and 公共服务事项 alike, so every kind
# here counts, public services included. One constant, so the indicators app reads one decision.
ON_APPLICATION_KINDS = frozenset(ServiceItem.Kind.values)


class ItemMaterial(models.Model):
    """A material (申请材料) of one item version, as its guide lists it."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")

    class Requirement(models.TextChoices):
        REQUIRED = "required", _("Required")
        CONDITIONAL = "conditional", _("Required in some cases")

    class Source(models.TextChoices):
        APPLICANT = "applicant", _("Uploaded by the applicant")
        REGISTRY = "registry", _("Taken from a base registry")
        LICENCE = "licence", _("Taken from an e-licence")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    requirement = models.CharField(
        _("requirement"), max_length=16, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.CharField(_("when required"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.APPLICANT)
    # The registry field (e.g. "person.household") or the licence type code, for the other sources.
    source_ref = models.CharField(_("registry field or licence type"), max_length=64, blank=True)
    # Issued by a government body (户口簿, 身份证, 营业执照, 不动产权证书 …): such a material must not be
    # asked of the applicant again for 免提交 to hold (dgov.catalog.exemptions).
    government_issued = models.BooleanField(_("issued by a government body"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="catalog_material_position"),
            models.CheckConstraint(condition=models.Q(copies__gte=1), name="catalog_material_copies_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class SearchToken(models.Model):
    """One token of an item version's search text with its weight: the index the search reads.

    Rows mirror the pre-segmented columns (search_name, search_tags, search_body): weight is 100
    for a token of the name, plus 10 if it is also a tag, plus 1 if it is in the other text.
    Written with the item by dgov.catalog.services; see dgov.catalog.search."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="search_tokens")
    token = models.CharField(max_length=64)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "item"], name="catalog_search_token_item")]

    def __str__(self) -> str:
        return f"{self.token} ({self.weight})"


class KioskQuerySet(models.QuerySet["Kiosk"]):
    def in_service(self, *, at: datetime) -> KioskQuerySet:
        """Kiosks installed by ``at`` and not retired by then."""
        day = at.astimezone(CALENDAR_TZ).date()
        return self.filter(installed_on__lte=day).filter(Q(retired_on__isnull=True) | Q(retired_on__gt=day))


class Kiosk(models.Model):
    """A self-service government kiosk (政务服务一体机) and where it stands: the register behind
    plan indicator 6 (街道 with a kiosk ÷ all 街道). Kept in the admin site, every change audited."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        related_name="kiosks",
        verbose_name=_("subdistrict or community"),
        limit_choices_to={"level__in": ["subdistrict", "community"]},
    )
    address = models.CharField(_("address"), max_length=200)
    installed_on = models.DateField(_("installed on"))
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = KioskQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("self-service kiosk")
        verbose_name_plural = _("self-service kiosks")
        constraints = [
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gt=models.F("installed_on")),
                name="kiosk_retired_after_installed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
