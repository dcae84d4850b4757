"""Setting up capture: the capture forms (with the snippet to copy) and the scoring and
assignment rules."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.core.access import requires
from heartline.leads import scoring, setup
from heartline.leads.assignment import rules_for_display
from heartline.leads.models import AssignmentRule, LeadForm, ScoreRule
from heartline.leads.selectors import forms_for_user
from heartline.web.views.leads import or_404
from heartline.web.views.leads.forms import AssignmentRuleForm, CaptureFormForm, ScoreRuleForm
from heartline.web.views.staff import attach_errors


def snippets(request: HttpRequest, form: LeadForm) -> dict[str, str]:
    base = settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/")
    script = base + static("heartline/leadform.js")
    page = base + reverse("web:leadform_page", args=[form.public_key])
    return {
        "script": f'<script src="{script}" data-form="{form.public_key}" async></script>',
        "link": page,
    }


@requires("leads.view")
def form_list(request: HttpRequest) -> HttpResponse:
    forms = list(forms_for_user(request.user))
    return render(request, "leads/forms_list.html", {"forms": forms})


@requires("leads.manage")
def form_create(request: HttpRequest) -> HttpResponse:
    form = CaptureFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = setup.leadform_create(actor=request.user, **form.values())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request, _("Form %(name)s created: copy its snippet below.") % {"name": created}
            )
            return redirect("web:lead_form_edit", created.pk)
    status = 400 if form.errors else 200
    return render(request, "leads/form_edit.html", {"form": form, "capture": None}, status=status)


@requires("leads.manage")
def form_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    capture = or_404(lambda: forms_for_user(request.user).get(pk=form_id))
    form = CaptureFormForm(request.POST or None, initial=CaptureFormForm.initial_of(capture))
    if request.method == "POST" and form.is_valid():
        try:
            setup.leadform_update(actor=request.user, form=capture, **form.values())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Form saved."))
            return redirect("web:lead_form_edit", capture.pk)
    context = {"form": form, "capture": capture, "snippets": snippets(request, capture)}
    return render(request, "leads/form_edit.html", context, status=400 if form.errors else 200)


@requires("leads.manage")
@require_POST
def form_new_key(request: HttpRequest, form_id: int) -> HttpResponse:
    capture = or_404(lambda: forms_for_user(request.user).get(pk=form_id))
    setup.leadform_new_key(actor=request.user, form=capture)
    messages.success(request, _("New key made: replace the snippet on your sites."))
    return redirect("web:lead_form_edit", capture.pk)


def _rules_page(
    request: HttpRequest,
    score_form: ScoreRuleForm | None = None,
    assignment_form: AssignmentRuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    score_rules = list(ScoreRule.objects.order_by("position", "id"))
    context = {
        "score_rules": [
            (r, scoring.label({"kind": r.kind, "value": r.value, "points": r.points}))
            for r in score_rules
        ],
        "assignment_rules": rules_for_display(),
        "score_form": score_form or ScoreRuleForm(),
        "assignment_form": assignment_form or AssignmentRuleForm(),
    }
    return render(request, "leads/rules.html", context, status=status)


@requires("leads.view")
def rules(request: HttpRequest) -> HttpResponse:
    return _rules_page(request)


@requires("leads.manage")
@require_POST
def score_rule_add(request: HttpRequest) -> HttpResponse:
    form = ScoreRuleForm(request.POST)
    if form.is_valid():
        try:
            setup.score_rule_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request, _("Scoring rule added; it applies to leads captured from now on.")
            )
            return redirect("web:lead_rules")
    return _rules_page(request, score_form=form, status=400)


@requires("leads.manage")
@require_POST
def score_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = or_404(lambda: ScoreRule.objects.get(pk=rule_id))
    setup.score_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Scoring rule removed."))
    return redirect("web:lead_rules")


@requires("leads.manage")
@require_POST
def score_rules_reset(request: HttpRequest) -> HttpResponse:
    setup.score_rules_reset(actor=request.user)
    messages.success(request, _("The default scoring rules are back."))
    return redirect("web:lead_rules")


@requires("leads.manage")
@require_POST
def assignment_rule_add(request: HttpRequest) -> HttpResponse:
    form = AssignmentRuleForm(request.POST)
    if form.is_valid():
        try:
            setup.assignment_rule_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Assignment rule added."))
            return redirect("web:lead_rules")
    return _rules_page(request, assignment_form=form, status=400)


@requires("leads.manage")
@require_POST
def assignment_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = or_404(lambda: AssignmentRule.objects.get(pk=rule_id))
    setup.assignment_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Assignment rule removed."))
    return redirect("web:lead_rules")
