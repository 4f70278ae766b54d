import io

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from legislation import selectors
from legislation.models import Bill, Ministry

# A login as the login page makes it (the login throttling wants the request).
LOGIN = RequestFactory().post("/accounts/login/")


def run(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def test_demo_users_cover_the_roles_and_their_passwords_work(db, settings, tmp_path):
    output = run(settings, tmp_path)
    User = get_user_model()
    assert User.objects.count() == 2 + Ministry.objects.count()
    passwords = dict(line.split() for line in output.splitlines()[1:])
    admin = authenticate(LOGIN, username="beheer", password=passwords["beheer"])
    central = authenticate(LOGIN, username="centraal", password=passwords["centraal"])
    jenv = authenticate(LOGIN, username="coord-jenv", password=passwords["coord-jenv"])
    assert admin and central and jenv
    assert admin.is_superuser and not central.is_superuser and not jenv.is_superuser
    vws_bill = Bill.objects.filter(lead_ministry__code="VWS").first()
    assert selectors.may_change(admin, vws_bill) and selectors.may_change(central, vws_bill)
    assert not selectors.may_change(jenv, vws_bill)


def test_every_role_reaches_the_admin_and_changes_what_the_rules_allow(client, db, settings, tmp_path):
    passwords = dict(line.split() for line in run(settings, tmp_path).splitlines()[1:])
    vws_bill = Bill.objects.filter(lead_ministry__code="VWS").first()
    change = reverse("admin:legislation_bill_change", args=[vws_bill.pk])
    for username, may_change in [("beheer", True), ("centraal", True), ("coord-vws", True), ("coord-jenv", False)]:
        client.force_login(authenticate(LOGIN, username=username, password=passwords[username]))
        assert client.get(reverse("admin:legislation_bill_changelist")).status_code == 200
        assert client.get(change).context["has_change_permission"] == may_change, username
        client.logout()


def test_running_again_duplicates_nothing_and_keeps_passwords(db, settings, tmp_path):
    first = run(settings, tmp_path)
    second = run(settings, tmp_path)
    assert first == second
    assert get_user_model().objects.count() == 2 + Ministry.objects.count()
