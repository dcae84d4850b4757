"""Leads: possible customers captured on any channel, their history and consent, the capture
forms that bring them in, and the scoring and assignment rules applied on capture."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

OPEN_STATUSES = ("new", "working", "qualified")


def new_public_key() -> str:
    return secrets.token_urlsafe(12)


class Lead(models.Model):
    class Source(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        CHAT = "chat", _("Chat")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        MANUAL = "manual", _("By hand")
        CAMPAIGN = "campaign", _("Campaign")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        WORKING = "working", _("Working")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    # Names as the customer memory has them; the keys are derived (customers.names).
    name_cjk = models.CharField(_("name in characters"), max_length=100, blank=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    key_cjk = models.CharField(max_length=100, blank=True, editable=False)
    key_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    key_latin = models.CharField(max_length=200, blank=True, editable=False)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # Identifiers, normalised by customers.identities (E.164, lower-case e-mail, NFKC handle).
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    handle = models.CharField(_("handle"), max_length=128, blank=True)
    handle_provider = models.CharField(_("handle on"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    territory = models.CharField(_("territory"), max_length=64, blank=True)
    message = models.TextField(_("message"), max_length=4000, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=200, blank=True)
    form = models.ForeignKey(
        "leads.LeadForm", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    score = models.SmallIntegerField(_("score"), default=0)
    # [{"kind": "has_phone", "value": "", "points": 10}] — labelled when shown (scoring.label)
    score_reasons = models.JSONField(_("score reasons"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,  # the partial index below: most leads have no customer
    )
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    captures = models.PositiveIntegerField(_("captures"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_captured_at = models.DateTimeField(null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status", "-id"], name="lead_status_idx"),
            models.Index(fields=["owner", "status", "-id"], name="lead_owner_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            models.Index(fields=["handle_provider", "handle"], name="lead_handle_idx"),
            models.Index(fields=["key_cjk"], name="lead_key_cjk_idx"),
            models.Index(fields=["key_latin"], name="lead_key_latin_idx"),
            models.Index(fields=["key_pinyin"], name="lead_key_pinyin_idx"),
            models.Index(
                fields=["customer"],
                name="lead_customer_idx",
                condition=models.Q(customer__isnull=False),
            ),
        ]
        constraints = [
            # One open lead per identifier: a second capture joins the first (capture.py);
            # the index also settles two captures racing with the same identifier.
            models.UniqueConstraint(
                fields=["phone"],
                name="lead_open_phone_unique",
                condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(phone=""),
            ),
            models.UniqueConstraint(
                fields=["email"],
                name="lead_open_email_unique",
                condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(email=""),
            ),
            models.UniqueConstraint(
                fields=["handle_provider", "handle"],
                name="lead_open_handle_unique",
                condition=models.Q(status__in=OPEN_STATUSES) & ~models.Q(handle=""),
            ),
            models.CheckConstraint(
                condition=~models.Q(phone="", email="", handle=""), name="lead_has_an_identifier"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return (
            self.name_cjk
            or self.name_latin
            or self.name_pinyin
            or self.organisation
            or self.email
            or self.phone
            or self.handle
            or f"#{self.pk}"
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LeadEvent(models.Model):
    """One step of a lead's history: each capture, status change, assignment, link, conversion.

    ``source``/``source_ref`` of a capture make captures idempotent: the same reference from
    the same source is one capture, however often it is delivered."""

    class Kind(models.TextChoices):
        CAPTURED = "captured", _("Captured")
        CAPTURED_AGAIN = "captured_again", _("Captured again")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CHANGED = "changed", _("Details changed")
        LINKED = "linked", _("Linked to a customer")
        CONVERTED = "converted", _("Converted")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, blank=True)
    # NULL when there is none: NULLs never clash in the unique index.
    source_ref = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    message = models.TextField(max_length=4000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["lead", "at", "id"]
        indexes = [models.Index(fields=["lead", "at", "id"], name="leadevent_lead_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], name="leadevent_source_ref_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind}"


class LeadConsent(models.Model):
    """A consent decision given with a lead, kept until the lead links to a customer; then it
    is written to the customer's consent ledger (``transferred_at``)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=32)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    at = models.DateTimeField()
    transferred_at = models.DateTimeField(null=True, blank=True)
    customer_consent_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["lead", "id"]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.granted else 'no'}"


class LeadForm(models.Model):
    """An embeddable capture form: which fields, which consent purposes (with their wording in
    English and Chinese), where it may be embedded, who gets its leads."""

    class Field(models.TextChoices):
        NAME = "name", _("Name")
        ORGANISATION = "organisation", _("Organisation")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat ID")
        TERRITORY = "territory", _("Region")
        MESSAGE = "message", _("Message")

    name = models.CharField(_("name"), max_length=100)
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    active = models.BooleanField(_("active"), default=True)
    fields = models.JSONField(_("fields"), default=list)
    # [{"purpose": "marketing_email", "text_en": "…", "text_zh": "…"}]
    consents = models.JSONField(_("consent purposes"), default=list, blank=True)
    # ["https://www.example.com"] — scheme://host[:port], as browsers send in Origin
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120, blank=True)
    thank_you_en = models.CharField(_("thank-you text (English)"), max_length=300, blank=True)
    thank_you_zh = models.CharField(_("thank-you text (Chinese)"), max_length=300, blank=True)
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    max_per_hour = models.PositiveIntegerField(_("submissions per hour, at most"), default=300)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("capture form")
        verbose_name_plural = _("capture forms")

    def __str__(self) -> str:
        return self.name


class ScoreRule(models.Model):
    """One scoring rule: when it applies, the lead gets ``points`` and the rule as a reason."""

    class Kind(models.TextChoices):
        HAS_PHONE = "has_phone", _("Has a phone number")
        HAS_EMAIL = "has_email", _("Has an e-mail address")
        CORPORATE_EMAIL = "corporate_email", _("E-mail at a company domain")
        HAS_HANDLE = "has_handle", _("Has a WeChat or other handle")
        HAS_ORGANISATION = "has_organisation", _("Organisation given")
        MENTIONS_PRODUCT = "mentions_product", _("Message mentions a product")
        MENTIONS_WORD = "mentions_word", _("Message mentions one of these words")
        SOURCE = "source", _("Came from this source")
        TERRITORY = "territory", _("In this territory")
        LANGUAGE = "language", _("Speaks this language")
        CONSENT = "consent", _("Gave this consent")

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=300, blank=True)
    points = models.SmallIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=-100, points__lte=100), name="scorerule_points"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value} {self.points:+d}"


class AssignmentRule(models.Model):
    """Who gets a new lead. Rules are tried in order; the first whose conditions all match
    (an empty condition matches anything) assigns to a person or round-robin within a team."""

    class Method(models.TextChoices):
        USER = "user", _("To a person")
        ROUND_ROBIN = "round_robin", _("Round-robin within the team")

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    match_territory = models.CharField(_("territory"), max_length=64, blank=True)
    match_language = models.CharField(_("language"), max_length=10, blank=True)
    match_source = models.CharField(
        _("source"), max_length=16, choices=Lead.Source.choices, blank=True
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The member who got the last lead through this rule (round-robin goes on after them).
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name
