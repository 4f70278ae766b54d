import io

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from legislation import rules
from legislation.models import Bill, Ministry


def run(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


def test_demo_users_cover_the_roles_and_their_passwords_work(db, settings, tmp_path):
    output = run(settings, tmp_path)
    User = get_user_model()
    assert User.objects.count() == 1 + Ministry.objects.count()
    passwords = dict(line.split() for line in output.splitlines()[1:])
    central = authenticate(username="centraal", password=passwords["centraal"])
    jenv = authenticate(username="coord-jenv", password=passwords["coord-jenv"])
    assert central and jenv
    vws_bill = Bill.objects.filter(lead_ministry__code="VWS").first()
    assert rules.may_change(central, vws_bill)
    assert not rules.may_change(jenv, vws_bill)


def test_running_again_duplicates_nothing_and_keeps_passwords(db, settings, tmp_path):
    first = run(settings, tmp_path)
    second = run(settings, tmp_path)
    assert first == second
    assert get_user_model().objects.count() == 1 + Ministry.objects.count()
