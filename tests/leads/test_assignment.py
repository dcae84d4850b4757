"""Assignment on capture: ordered rules (territory, language, source), round-robin within a
team in a fixed order, the form's defaults, and a notification for the assignee."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from heartline.accounts.models import Team
from heartline.core.models import Notification
from heartline.leads import services, setup
from heartline.leads.capture import lead_capture
from heartline.leads.models import Lead
from tests.leads.conftest import lead_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(make_staff, team):  # type: ignore[no-untyped-def]
    made = [
        make_staff("sales", username="rep.a", team=team),
        make_staff("sales", username="rep.b", team=team, language="zh-hans"),
        make_staff("agent", username="rep.c", team=team),
    ]
    make_staff("analyst", username="not.selling", team=team)  # may not work leads
    gone = make_staff("sales", username="rep.gone", team=team)
    gone.is_active = False
    gone.save()
    return made


def _capture(n: int, **extra: str) -> Lead:
    return lead_capture(
        actor=None, data=lead_input(phone=f"1380013{n:04d}", **extra), source="web_form"
    ).lead


def test_round_robin_takes_turns_in_a_fixed_order_over_many_captures(members, team):
    setup.assignment_rule_add(actor=None, name="Everyone in East", method="round_robin", team=team)
    owners = [_capture(n).owner.username for n in range(7)]
    assert owners == ["rep.a", "rep.b", "rep.c", "rep.a", "rep.b", "rep.c", "rep.a"]
    assert set(Lead.objects.values_list("team_id", flat=True)) == {team.pk}
    first = Lead.objects.order_by("id").first()
    assert first is not None
    assert first.events.get(kind="assigned").data == {
        "owner_id": members[0].pk,
        "owner": "rep.a",
        "how": "round_robin",
    }


def test_the_assignee_is_notified_in_their_language(members, team, default_rules):
    setup.assignment_rule_add(actor=None, name="East", method="round_robin", team=team)
    a, b = _capture(1, name="张伟"), _capture(2, name="Emma Smith")
    texts = list(
        Notification.objects.order_by("id").values_list("recipient__username", "text", "link")
    )
    with translation.override("zh-hans"):
        chinese = _("New lead for you: %(name)s (score %(score)s).") % {
            "name": "Emma Smith",
            "score": 15,
        }
    assert texts == [
        ("rep.a", "New lead for you: 张伟 (score 15).", f"/leads/{a.pk}/"),
        ("rep.b", chinese, f"/leads/{b.pk}/"),
    ]


def test_rules_are_tried_in_order_and_the_first_match_wins(members, team, make_staff):
    shanghai = make_staff("sales", username="rep.sh")
    english = make_staff("sales", username="rep.en")
    setup.assignment_rule_add(
        actor=None, name="Shanghai", method="user", user=shanghai, match_territory="Shanghai"
    )
    setup.assignment_rule_add(
        actor=None, name="English", method="user", user=english, match_language="en"
    )
    setup.assignment_rule_add(actor=None, name="The rest", method="round_robin", team=team)
    assert _capture(1, territory="shanghai", language="en").owner == shanghai
    assert _capture(2, territory="Beijing", language="en").owner == english
    assert _capture(3, territory="Beijing", language="zh").owner == members[0]


def test_a_source_condition(members, team, make_staff):
    events = make_staff("sales", username="rep.events")
    setup.assignment_rule_add(
        actor=None, name="Campaigns", method="user", user=events, match_source="campaign"
    )
    lead = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="campaign").lead
    other = lead_capture(actor=None, data=lead_input(phone="13900139000"), source="api").lead
    assert (lead.owner, other.owner) == (events, None)


def test_without_a_matching_rule_the_forms_default_owner_and_team(capture_form, sales, team):
    form = setup.leadform_update(
        actor=None, form=capture_form, default_owner=sales, default_team=team
    )
    lead = lead_capture(
        actor=None, data=lead_input(phone="13800138000"), source="web_form", form=form
    ).lead
    assert (lead.owner, lead.team) == (sales, team)


def test_an_explicit_owner_wins_over_the_rules(members, team, sales):
    setup.assignment_rule_add(actor=None, name="East", method="round_robin", team=team)
    lead = lead_capture(
        actor=sales, data=lead_input(phone="13800138000"), source="manual", owner=sales
    ).lead
    assert lead.owner == sales
    assert Notification.objects.filter(recipient=sales).count() == 0  # not told what they did


def test_reassigning_notifies_the_new_owner(members, sales):
    lead = lead_capture(actor=None, data=lead_input(phone="13800138000"), source="api").lead
    services.lead_assign(actor=sales, lead=lead, owner=members[0])
    assert Lead.objects.get(pk=lead.pk).owner == members[0]
    assert Notification.objects.filter(recipient=members[0]).count() == 1


def test_round_robin_in_an_empty_team_falls_through(members, make_staff):
    empty = Team.objects.create(name="Nobody here")
    setup.assignment_rule_add(actor=None, name="Empty", method="round_robin", team=empty)
    assert _capture(1).owner is None
