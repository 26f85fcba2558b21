"""Accounts, personal data at rest, roles and the three-admin separation."""

import pytest
from django.db import connection
from django.utils import translation

from dgov.accounts import services
from dgov.accounts.models import Department, Role, RoleAssignment, User
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError

ID = "440704199001010013"


@pytest.fixture
def staff_user(jianghai):
    return services.user_create(
        actor=None,
        username="newstaff",
        password="Str0ng-pass-2025",
        kind="staff",
        department=Department.objects.get(code="rsj"),
    )


def test_personal_data_is_encrypted_at_rest_and_searchable_by_digest(jianghai):
    user = services.user_create(
        actor=None,
        username="resident",
        password="resident-pass-2025",
        kind="citizen",
        id_number=ID,
        phone="13912345678",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM accounts_user WHERE id = %s", [user.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id.startswith("sm4gcm1:") and ID not in raw_id
    assert raw_phone.startswith("sm4gcm1:") and "13912345678" not in raw_phone
    found = User.objects.get(id_number_digest=services.id_number_digest(ID))
    assert found.id_number == ID
    assert found.id_number_masked == "440704********0013"
    assert found.phone_masked == "139****5678"
    # The audit row of the creation carries no personal data.
    event = AuditEvent.objects.get(action="account.create", target_id=str(user.pk))
    assert ID not in str(event.summary) and "13912345678" not in str(event.summary)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("id_number", {"id_number": "440704199001010014"}),
        ("phone", {"phone": "12345"}),
        ("username", {"username": "citizen"}),
        ("password", {"password": "123"}),
        ("department", {"kind": "staff"}),
        ("enterprise_credit_code", {"kind": "enterprise"}),
    ],
)
def test_bad_account_input_is_refused_and_nothing_written(jianghai, field, kwargs):
    before_users, before_events = User.objects.count(), AuditEvent.objects.count()
    args = {"actor": None, "username": "fresh", "password": "fresh-pass-2025!", "kind": "citizen"} | kwargs
    with pytest.raises(ApplicationError) as exc:
        services.user_create(**args)
    assert field in exc.value.field_errors
    assert User.objects.count() == before_users and AuditEvent.objects.count() == before_events


@translation.override("en")
def test_staff_password_rules(staff_user):
    for weak in ["alllowercase-only", "Short1!"]:
        with pytest.raises(ApplicationError) as exc:
            services.password_change(actor=staff_user, user=staff_user, new_password=weak)
        assert "new_password" in exc.value.field_errors
    services.password_change(actor=staff_user, user=staff_user, new_password="Another-pass-2026")
    # Reuse of the current or a recent password is refused.
    for reused in ["Another-pass-2026", "Str0ng-pass-2025"]:
        with pytest.raises(ApplicationError, match="not accepted") as exc:
            services.password_change(actor=staff_user, user=staff_user, new_password=reused)
        assert any("last five" in m for m in exc.value.field_errors["new_password"])


def test_citizens_are_not_held_to_staff_complexity(citizen):
    services.password_change(actor=citizen, user=citizen, new_password="simple-words-here")
    citizen.refresh_from_db()
    assert citizen.check_password("simple-words-here")


def test_passwords_are_hashed_with_argon2(jianghai, settings):
    from django.conf import settings as live

    settings.PASSWORD_HASHERS = [h for h in live.PASSWORD_HASHERS if "MD5" not in h]
    user = services.user_create(actor=None, username="hashme", password="hash-me-2025!", kind="citizen")
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize("first", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_three_admin_roles_are_exclusive(staff_user, first):
    services.role_grant(actor=None, user=staff_user, role=first)
    for other in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN} - {first}:
        with pytest.raises(ApplicationError) as exc:
            services.role_grant(actor=None, user=staff_user, role=other)
        assert exc.value.code == "admin_separation"
    assert list(staff_user.role_assignments.values_list("role", flat=True)) == [first]


def test_no_demo_account_holds_two_admin_roles(jianghai):
    admin_roles = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
    for user in User.objects.all():
        held = set(user.role_assignments.values_list("role", flat=True)) & admin_roles
        assert len(held) <= 1, user.username


def test_roles_only_for_staff_and_not_twice(citizen, staff_user):
    with pytest.raises(ApplicationError) as exc:
        services.role_grant(actor=None, user=citizen, role=Role.APPROVER)
    assert exc.value.code == "not_staff"
    dept = staff_user.department
    services.role_grant(actor=None, user=staff_user, role=Role.APPROVER, department=dept)
    with pytest.raises(ApplicationError) as exc:
        services.role_grant(actor=None, user=staff_user, role=Role.APPROVER, department=dept)
    assert exc.value.code == "duplicate_role"
    with pytest.raises(ApplicationError) as exc:
        services.role_grant(actor=None, user=staff_user, role="emperor")
    assert "role" in exc.value.field_errors


def test_grant_and_revoke_are_audited(secadmin, staff_user):
    assignment = services.role_grant(actor=secadmin, user=staff_user, role=Role.SYSTEM_ADMIN)
    staff_user.refresh_from_db()
    assert staff_user.is_staff
    services.role_revoke(actor=secadmin, assignment=assignment)
    staff_user.refresh_from_db()
    assert not staff_user.is_staff
    actions = list(AuditEvent.objects.filter(target_id=str(staff_user.pk)).values_list("action", "actor_label"))
    assert ("role.grant", "security") in actions and ("role.revoke", "security") in actions
    assert not RoleAssignment.objects.filter(user=staff_user).exists()


def test_demo_load_is_idempotent(jianghai):
    from django.apps import apps

    from dgov.accounts.demo import load_all

    def counts():
        return {m._meta.label: m.objects.count() for m in apps.get_models()}

    before = counts()
    load_all()
    assert counts() == before


def test_demo_regions_match_the_plan(jianghai):
    from dgov.accounts.models import Region

    assert Region.objects.get(code="440704").name == "江海区"
    assert sorted(Region.objects.filter(level="subdistrict").values_list("name", flat=True)) == sorted(
        ["外海街道", "礼乐街道", "江南街道"]
    )
    assert Region.objects.filter(level="community").count() == 62
    qinglan = Region.objects.get(code="440704004005")
    assert qinglan.name == "清兰社区" and not qinglan.is_demo and qinglan.path == "440704/440704004000/440704004005"
    assert Region.objects.get(code="440704004000").contains(qinglan)


def test_departments_have_valid_credit_codes(jianghai):
    from dgov.core.validation import normalise_credit_code

    names = set(Department.objects.values_list("name", flat=True))
    for required in [
        "江海区政务服务数据管理局",
        "江海区市场监督管理局",
        "江海区人力资源和社会保障局",
        "江海区民政局",
        "江海区住房和城乡建设局",
        "江海区城市管理和综合执法局",
        "江海区应急管理局",
        "江海区卫生健康局",
        "江海区教育局",
        "江海区农业农村和水利局",
        "外海街道办事处",
        "礼乐街道办事处",
        "江南街道办事处",
    ]:
        assert required in names
    for dept in Department.objects.all():
        assert normalise_credit_code(dept.credit_code) == dept.credit_code


def test_outside_demo_mode_only_confirmed_reference_data_is_loaded(db, settings):
    from dgov.accounts.demo import load_all
    from dgov.accounts.models import Region

    unused = Region.objects.filter(
        is_demo=True, residents__isnull=True, departments__isnull=True, children__isnull=True
    )
    removed = set(unused.values_list("code", flat=True))
    assert len(removed) > 50
    Region.objects.filter(code__in=removed).delete()
    settings.DGOV_DEMO = False
    before = User.objects.count()
    counts = load_all()
    assert counts["regions"] == 0 and "accounts" not in counts
    assert not Region.objects.filter(code__in=removed).exists()
    assert User.objects.count() == before


def test_a_region_scoped_role_covers_the_departments_of_its_area(staff_user):
    """departments_for agrees with has_perm: a role scoped to a 街道 covers the departments in it
    (and in its communities), none outside; a department-scoped one its department; none when inactive."""
    from dgov.accounts.models import Region
    from dgov.accounts.permissions import Perm, departments_for, has_perm

    waihai = Region.objects.get(code="440704004000")
    services.role_grant(actor=None, user=staff_user, role=Role.TICKET_HANDLER, region=waihai)
    staff_user = User.objects.get(pk=staff_user.pk)
    ids = departments_for(staff_user, Perm.HOTLINE_HANDLE)
    inside = {d.pk for d in Department.objects.all() if waihai.contains(d.region)}
    assert ids is not None and set(ids) == inside and inside
    for department in Department.objects.all():
        assert has_perm(staff_user, Perm.HOTLINE_HANDLE, department=department) == (department.pk in inside)
    services.role_grant(
        actor=None, user=staff_user, role=Role.DEPT_ADMIN, department=Department.objects.get(code="rsj")
    )
    staff_user = User.objects.get(pk=staff_user.pk)
    assert set(departments_for(staff_user, Perm.HOTLINE_HANDLE) or []) == inside | {
        Department.objects.get(code="rsj").pk
    }
    staff_user.is_active = False
    assert departments_for(staff_user, Perm.HOTLINE_HANDLE) == []
