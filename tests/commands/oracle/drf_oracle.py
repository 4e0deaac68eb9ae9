"""The reference side of teamlog's request-validation differential test: real DRF and Django answer each case.

Reads JSON lines on stdin, writes one JSON line per case (keys sorted):
  {"op": "team"|"invite"|"token", "data": <JSON body>} or {"op": ..., "form": [[key, value], ...]},
      optional "partial": true         -> {"ok": {validated fields}} or {"err": <DRF error body>}
  {"op": "email", "s": "..."}         -> Django's EmailValidator: true/false
  {"op": "puny", "cps": [code points]} -> Python's punycode codec
  {"op": "frepr", "s": "1.5"}         -> repr(float(s))
  {"op": "str", "v": <JSON>}           -> str(v)
  {"op": "dt", "s": "..."}            -> Django 4.2's parse_datetime, as UTC isoformat with Z, or null

Needs Django and DRF (Debian 12: apt-get install python3-django python3-djangorestframework) and runs with that
Python: /usr/bin/python3 drf_oracle.py < cases.jsonl. The team serializer mirrors what ModelSerializer builds
for pretix's TeamSerializer, over auth.Group as the event table (slug_field "name"; "Object with name=" is
reported as "Object with slug="). Events that exist: dummy, True, 5. Invites add pretix's create() ("No email
address given.") and teamlog's refusal of "" and null. SQLite answers a NUL in a slug with "does not exist";
PostgreSQL, which pretix runs on, refuses it, and teamlog says "Invalid value." as pretix would.

Expected differences (gen_cases.py leaves the known ones out, except the first):
- a few long random IDN labels: teamlog does not NFKC-normalise before punycode, so a label near the
  63-character limit can land on the other side of it (validation.hpp, valid_email);
- a NUL in a slug (above);
- floats parsed from JSON: Boost.JSON 1.81 does not round every decimal correctly, so str() of a parsed number
  can differ in the last digit; python_float_repr itself matches repr() ("frepr" cases);
- Python 3.11's fromisoformat() forms beyond Django's pattern ("20171227T1000", any separator character).
"""
import datetime
import json
import re
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=True, USE_TZ=True, TIME_ZONE="UTC", SECRET_KEY="oracle",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
)
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.validators import EmailValidator  # noqa: E402
from django.http import QueryDict  # noqa: E402
from rest_framework import serializers  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
for slug in ("dummy", "True", "5"):
    Group.objects.create(name=slug)

PERMS = ["can_create_events", "can_change_teams", "can_change_organizer_settings", "can_manage_gift_cards",
         "can_change_event_settings", "can_change_items", "can_view_orders", "can_change_orders",
         "can_view_vouchers", "can_change_vouchers", "can_checkin_orders", "can_manage_customers"]


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=190)
    all_events = serializers.BooleanField(required=False)
    limit_events = serializers.SlugRelatedField(slug_field="name", many=True, queryset=Group.objects.all())


for perm in PERMS:
    TeamSerializer._declared_fields[perm] = serializers.BooleanField(required=False)


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, max_length=254)


class TokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=190)


SERIALIZERS = {"team": TeamSerializer, "invite": InviteSerializer, "token": TokenSerializer}

# Django 4.2's pattern (3.2's lacks the \s* before the offset).
DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[\.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_datetime(value):
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        match = DATETIME_RE.match(value)
        if not match:
            return None
        kw = match.groupdict()
        kw["microsecond"] = kw["microsecond"] and kw["microsecond"].ljust(6, "0")
        tzinfo = kw.pop("tzinfo")
        if tzinfo == "Z":
            tzinfo = datetime.timezone.utc
        elif tzinfo is not None:
            offset_mins = int(tzinfo[-2:]) if len(tzinfo) > 3 else 0
            offset = 60 * int(tzinfo[1:3]) + offset_mins
            if tzinfo[0] == "-":
                offset = -offset
            tzinfo = datetime.timezone(datetime.timedelta(minutes=offset))
        kw = {k: int(v) for k, v in kw.items() if v is not None}
        parsed = datetime.datetime(**kw, tzinfo=tzinfo)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc).isoformat()[:-6] + "Z"


def plain(value):
    if isinstance(value, Group):
        return value.name
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def validate(op, data, partial, form):
    if form is not None:
        data = QueryDict("", mutable=True)
        for key, value in form:
            data.appendlist(key, value)
    serializer = SERIALIZERS[op](data=data, partial=partial)
    if not serializer.is_valid():
        return {"err": json.loads(json.dumps(serializer.errors).replace("Object with name=", "Object with slug="))}
    ok = plain(dict(serializer.validated_data))
    if "limit_events" in ok:
        ok["limit_events"] = list(dict.fromkeys(ok["limit_events"]))
    if op == "invite":
        if "email" not in ok:
            return {"err": ["No email address given."]}
        if ok["email"] is None:
            return {"err": {"email": ["This field may not be null."]}}
        if ok["email"] == "":
            return {"err": {"email": ["This field may not be blank."]}}
    return {"ok": ok}


def answer(req):
    op = req["op"]
    if op == "email":
        try:
            EmailValidator()(req["s"])
            return True
        except DjangoValidationError:
            return False
    if op == "puny":
        return "".join(chr(c) for c in req["cps"]).encode("punycode").decode("ascii")
    if op == "frepr":
        return repr(float(req["s"]))
    if op == "str":
        return str(req["v"])
    if op == "dt":
        try:
            return parse_datetime(req["s"])
        except (ValueError, OverflowError):
            return None
    return validate(op, req.get("data"), req.get("partial", False), req.get("form"))


for line in sys.stdin:
    try:
        out = answer(json.loads(line))
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        out = {"exception": repr(e)}
    print(json.dumps(out, sort_keys=True), flush=True)
