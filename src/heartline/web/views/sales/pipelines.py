"""Configuring pipelines (``pipelines.manage``): a pipeline's name, currency and "no skipping",
and its stages — name, kind, probability and the fields a deal needs to enter them. Every
write goes through ``sales.pipelines``; the page answers 400 with the form's messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heartline.core.access import requires
from heartline.sales import pipelines as config
from heartline.sales import selectors
from heartline.sales.models import Pipeline, Stage
from heartline.sales.rules import REQUIRABLE_FIELDS
from heartline.web.views.staff import attach_errors


class PipelineForm(forms.Form):
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=120, required=False)
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=120, required=False)
    currency = forms.RegexField(
        label=gettext_lazy("Currency"), regex=r"^[A-Za-z]{3}$", initial="CNY"
    )
    no_skipping = forms.BooleanField(
        label=gettext_lazy("Open deals move forward one stage at a time"), required=False
    )


class StageForm(forms.Form):
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=120, required=False)
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=120, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Stage.Kind.choices)
    probability = forms.IntegerField(
        label=gettext_lazy("Probability (%)"), min_value=0, max_value=100, required=False
    )
    required_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Required to enter"),
        choices=[(name, field.label) for name, field in REQUIRABLE_FIELDS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("name_en") or self.cleaned_data.get("name_zh"))


StageFormSet = forms.formset_factory(StageForm, extra=1, max_num=30, validate_max=True)


def _stage_initial(stage: Stage) -> dict[str, Any]:
    return {
        "name_en": stage.name_en,
        "name_zh": stage.name_zh,
        "kind": stage.kind,
        "probability": stage.probability,
        "required_fields": stage.required_fields,
    }


@requires("pipelines.manage")
def pipeline_list(request: HttpRequest) -> HttpResponse:
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = config.pipeline_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Pipeline created: now add its stages."))
            return redirect("web:pipeline_edit", pipeline.pk)
    context = {
        "pipelines": selectors.pipelines_for_user(request.user, include_inactive=True),
        "form": form,
    }
    return render(request, "sales/pipelines.html", context, status=400 if form.errors else 200)


def _save(request: HttpRequest, pipeline: Pipeline, form: PipelineForm, stages: Any) -> None:
    existing = list(pipeline.stages.order_by("position", "id"))
    with transaction.atomic():
        config.pipeline_update(actor=request.user, pipeline=pipeline, **form.cleaned_data)
        for index, stage_form in enumerate(stages.forms):
            data = stage_form.cleaned_data
            if index < len(existing):
                config.stage_update(
                    actor=request.user, stage=existing[index], position=index + 1, **data
                )
            elif data and not stage_form.is_blank():
                config.stage_create(
                    actor=request.user, pipeline=pipeline, position=index + 1, **data
                )


@requires("pipelines.manage")
def pipeline_edit(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    try:
        pipeline = selectors.pipeline_for_user(request.user, pipeline_id)
    except Pipeline.DoesNotExist as exc:
        raise Http404 from exc
    initial = {
        "name_en": pipeline.name_en,
        "name_zh": pipeline.name_zh,
        "currency": pipeline.currency,
        "no_skipping": pipeline.no_skipping,
    }
    form = PipelineForm(request.POST or None, initial=initial)
    stage_initial = [_stage_initial(s) for s in pipeline.stages.order_by("position", "id")]
    stages = StageFormSet(request.POST or None, prefix="stages", initial=stage_initial)
    if request.method == "POST" and form.is_valid() and stages.is_valid():
        try:
            _save(request, pipeline, form, stages)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Pipeline saved."))
            return redirect("web:pipeline_edit", pipeline.pk)
    status = 400 if form.errors or stages.total_error_count() else 200
    context = {"pipeline": pipeline, "form": form, "stages": stages}
    return render(request, "sales/pipeline_form.html", context, status=status)
