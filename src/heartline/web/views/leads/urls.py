"""URLs of the leads pages, included in heartline.web.urls under the "web" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from heartline.web.views.leads import pages, public, setup, transfer

urlpatterns: list[URLPattern] = [
    path("leads/", pages.lead_list_view, name="leads"),
    path("leads/new/", pages.lead_create, name="lead_create"),
    path("leads/<int:lead_id>/", pages.lead_detail_view, name="lead_detail"),
    path("leads/<int:lead_id>/status/", pages.lead_status, name="lead_status"),
    path("leads/<int:lead_id>/assign/", pages.lead_assign, name="lead_assign"),
    path("leads/<int:lead_id>/convert/", pages.lead_convert_view, name="lead_convert"),
    path("leads/import/", transfer.import_upload, name="lead_import"),
    path("leads/import/review/", transfer.import_review, name="lead_import_review"),
    path("leads/import/run/", transfer.import_run, name="lead_import_run"),
    path("leads/import/cancel/", transfer.import_cancel, name="lead_import_cancel"),
    path("leads/forms/", setup.form_list, name="lead_forms"),
    path("leads/forms/new/", setup.form_create, name="lead_form_create"),
    path("leads/forms/<int:form_id>/", setup.form_edit, name="lead_form_edit"),
    path("leads/forms/<int:form_id>/new-key/", setup.form_new_key, name="lead_form_new_key"),
    path("leads/rules/", setup.rules, name="lead_rules"),
    path("leads/rules/score/", setup.score_rule_add, name="lead_score_rule_add"),
    path(
        "leads/rules/score/<int:rule_id>/delete/",
        setup.score_rule_delete,
        name="lead_score_rule_delete",
    ),
    path("leads/rules/score/reset/", setup.score_rules_reset, name="lead_score_rules_reset"),
    path("leads/rules/assignment/", setup.assignment_rule_add, name="lead_assignment_rule_add"),
    path(
        "leads/rules/assignment/<int:rule_id>/delete/",
        setup.assignment_rule_delete,
        name="lead_assignment_rule_delete",
    ),
    # Public: the capture form's own page, its configuration for the embed script, and the
    # submission endpoint (CSRF-exempt by design; see views/leads/public.py).
    path("forms/<str:key>/", public.form_page, name="leadform_page"),
    path("forms/<str:key>/config", public.form_config, name="leadform_config"),
    path("forms/<str:key>/submit", public.form_submit, name="leadform_submit"),
]
