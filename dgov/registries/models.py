"""The base registries (基础库): the population registry (人口库) and the legal-person registry
(法人库), and the log of every read of them (who read which fields of whose record, for what).

The registries are what lets the platform apply the four exemptions (四免): an application is
prefilled from them (免填写) and a material they hold is not asked for (免提交). Records are kept by
the departments named in ``source`` and written here only through dgov.registries.services, which
bump ``revision`` on every change, so a caller can tell that a record changed after it was read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.core.fields import EncryptedTextField
from dgov.core.masking import mask_id_number

# GB/T 2260 code of Jianghai district; a record whose region code starts with it is "in the district".
# The district this platform serves (DGOV_REGION_CODE): "registered in the district" compares with it.
DISTRICT_CODE = settings.DGOV_REGION_CODE


class PersonRecord(models.Model):
    """One resident in the population registry (人口库), keyed by the resident ID number."""

    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class HouseholdType(models.TextChoices):
        URBAN = "urban", _("Urban household")
        RURAL = "rural", _("Rural household")

    class MaritalStatus(models.TextChoices):
        UNMARRIED = "unmarried", _("Unmarried")
        MARRIED = "married", _("Married")
        DIVORCED = "divorced", _("Divorced")
        WIDOWED = "widowed", _("Widowed")

    class DisabilityGrade(models.IntegerChoices):
        # 残疾人证 grades (GB/T 26341-2010): grade 1 is the most severe.
        NONE = 0, _("No disability")
        GRADE_1 = 1, _("Grade 1")
        GRADE_2 = 2, _("Grade 2")
        GRADE_3 = 3, _("Grade 3")
        GRADE_4 = 4, _("Grade 4")

    class DisabilityKind(models.TextChoices):
        # The seven categories of GB/T 26341-2010.
        NONE = "", _("None")
        VISUAL = "visual", _("Visual")
        HEARING = "hearing", _("Hearing")
        SPEECH = "speech", _("Speech")
        PHYSICAL = "physical", _("Physical")
        INTELLECTUAL = "intellectual", _("Intellectual")
        MENTAL = "mental", _("Mental")
        MULTIPLE = "multiple", _("Multiple")

    class MedicalInsurance(models.TextChoices):
        NONE = "none", _("Not insured")
        RESIDENTS = "residents", _("Urban and rural residents' medical insurance")
        EMPLOYEES = "employees", _("Employees' medical insurance")

    class SocialSecurityCard(models.TextChoices):
        NONE = "none", _("No card issued")
        NORMAL = "normal", _("In use")
        LOST = "lost", _("Reported lost")
        CANCELLED = "cancelled", _("Cancelled")

    class Subsistence(models.TextChoices):
        NONE = "none", _("None")
        # 最低生活保障 and 特困人员救助供养 (《社会救助暂行办法》 chapters 2 and 3).
        SUBSISTENCE = "subsistence", _("Minimum subsistence allowance")
        EXTREME_HARDSHIP = "extreme_hardship", _("Extreme hardship support")

    id_number = EncryptedTextField(_("ID number"), context="registries.personrecord.id_number")
    # Keyed digest with the same context as accounts.User.id_number_digest, so an account finds
    # its own record by equality of digests.
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    household_address = models.CharField(_("household registration address"), max_length=200)
    household_region = models.CharField(
        _("household region code"), max_length=12, db_index=True, help_text=_("GB/T 2260 code, e.g. 440704.")
    )
    household_type = models.CharField(_("household type"), max_length=8, choices=HouseholdType.choices)
    household_number = models.CharField(_("household number"), max_length=20, blank=True)
    hukou_head = models.BooleanField(_("head of household"), default=False)
    residence_address = models.CharField(_("residence address"), max_length=200, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=12, choices=MaritalStatus.choices)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), choices=DisabilityGrade.choices, default=DisabilityGrade.NONE
    )
    disability_kind = models.CharField(
        _("disability kind"), max_length=16, choices=DisabilityKind.choices, blank=True, default=""
    )
    phone = EncryptedTextField(_("mobile phone"), blank=True, context="registries.personrecord.phone")
    medical_insurance_status = models.CharField(
        _("medical insurance"), max_length=12, choices=MedicalInsurance.choices, default=MedicalInsurance.NONE
    )
    social_security_card_status = models.CharField(
        _("social security card"), max_length=12, choices=SocialSecurityCard.choices, default=SocialSecurityCard.NONE
    )
    subsistence_status = models.CharField(
        _("social assistance"), max_length=20, choices=Subsistence.choices, default=Subsistence.NONE
    )
    is_deceased = models.BooleanField(_("deceased"), default=False)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The departments that keep this record.")
    )
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["household_region", "name", "pk"]
        verbose_name = _("person record")
        verbose_name_plural = _("person records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_grade=0, disability_kind="")
                | (models.Q(disability_grade__gte=1, disability_grade__lte=4) & ~models.Q(disability_kind="")),
                name="registries_person_disability_grade_and_kind",
            ),
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="registries_person_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {mask_id_number(self.id_number)}"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def registered_in_district(self) -> bool:
        return self.household_region.startswith(DISTRICT_CODE)


class EnterpriseRecord(models.Model):
    """One market entity in the legal-person registry (法人库), keyed by its unified social credit code."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        BRANCH = "branch", _("Branch")
        SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
        PARTNERSHIP = "partnership", _("Partnership")
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")

    class Status(models.TextChoices):
        # 登记状态 as the market regulator publishes it.
        ACTIVE = "active", _("In business")
        REVOKED = "revoked", _("Business licence revoked")
        CANCELLED = "cancelled", _("Deregistered")
        MOVED_OUT = "moved_out", _("Moved out")

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    legal_representative_id_number = EncryptedTextField(
        _("legal representative's ID number"),
        blank=True,
        context="registries.enterpriserecord.legal_representative_id_number",
    )
    legal_representative_id_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    registered_address = models.CharField(_("registered address"), max_length=200)
    registered_region = models.CharField(
        _("registered region code"), max_length=12, db_index=True, help_text=_("GB/T 2260 code, e.g. 440704.")
    )
    business_scope = models.TextField(_("business scope"), blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10,000 yuan)"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    established_on = models.DateField(_("established on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("The departments that keep this record.")
    )
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("enterprise record")
        verbose_name_plural = _("enterprise records")
        constraints = [
            models.CheckConstraint(condition=models.Q(revision__gte=1), name="registries_enterprise_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"

    @property
    def registered_in_district(self) -> bool:
        return self.registered_region.startswith(DISTRICT_CODE)


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise")


class RegistryRead(models.Model):
    """One read of a subject's registry data for a purpose. Append-only: written by
    ``registry_read`` and never changed, so the subject can see who used their data (谁用了我的数据)."""

    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    person = models.ForeignKey(
        PersonRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="reads", verbose_name=_("person")
    )
    enterprise = models.ForeignKey(
        EnterpriseRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reads",
        verbose_name=_("enterprise"),
    )
    # Registry field paths ("person.household_address"), as the caller asked for them.
    fields = models.JSONField(_("fields read"), default=list)
    # The record's revision when it was read: a later revision means the data changed since.
    revision = models.PositiveIntegerField(_("revision read"))
    purpose = models.CharField(_("purpose"), max_length=200)
    # A plain case number, so that this app depends on no domain app.
    case_number = models.CharField(_("case number"), max_length=32, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("read by"),
    )
    # The actor's department at the time of the read (staff move; the record of the read does not).
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("registry read")
        verbose_name_plural = _("registry reads")
        indexes = [
            models.Index(fields=["person", "-at"], name="registries_read_person_at"),
            models.Index(fields=["enterprise", "-at"], name="registries_read_enterprise_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_kind="person", person__isnull=False, enterprise__isnull=True)
                | models.Q(subject_kind="enterprise", enterprise__isnull=False, person__isnull=True),
                name="registries_read_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.person_id or self.enterprise_id} @ {self.at:%Y-%m-%d %H:%M}"
