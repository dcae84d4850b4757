"""The customer memory: profile, identities, moments, notes, relations, addresses, consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person or an organisation. Every field is optional; an Identity is what is required."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    name_cjk = models.CharField(_("name in characters"), max_length=100, blank=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True)
    name_latin = models.CharField(_("name in Latin script"), max_length=200, blank=True)
    # Search keys, derived by services.names from the names above (never typed by people):
    # simplified characters; pinyin without tones or spaces; Latin lower-case ASCII, no spaces.
    key_cjk = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    key_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    key_latin = models.CharField(max_length=200, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    preferences = models.JSONField(_("preferences"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Indexed only where set: an index over all the NULLs would lure the planner away from
    # the name keys for every "merged_into IS NULL" search.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # (key, id): a name search filters on the key and orders by id within it; with the
            # key alone PostgreSQL may walk the primary key instead (seen at 1M customers).
            models.Index(fields=["key_cjk", "id"], name="cust_key_cjk_id_idx"),
            models.Index(fields=["key_pinyin", "id"], name="cust_key_pinyin_id_idx"),
            models.Index(fields=["key_latin", "id"], name="cust_key_latin_id_idx"),
            models.Index(
                fields=["merged_into"],
                name="cust_merged_idx",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.pk, self.name_cjk, self.name_latin, self.name_pinyin)


def display_name(pk: int | None, name_cjk: str, name_latin: str, name_pinyin: str) -> str:
    """How a customer is called on every surface: characters, else Latin, else pinyin, else #id."""
    return name_cjk or name_latin or name_pinyin or f"#{pk}"


class Identity(models.Model):
    """One way to recognise a customer. Unique across all customers once normalised."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        MEMBER_NO = "member_no", _("Member number")
        HANDLE = "handle", _("Handle")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=32, blank=True)  # wechat, weibo, shop…
    value = models.CharField(_("value"), max_length=254)  # normalised: E.164, lower-case e-mail
    label = models.CharField(_("label"), max_length=50, blank=True)  # mobile, work, home…
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "provider", "value"], name="identity_unique_value"
            )
        ]
        indexes = [models.Index(fields=["customer", "kind"], name="identity_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Moment(models.Model):
    """A personal date worth remembering; the year is optional."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Anniversary")
        CUSTOM = "custom", _("Other date")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="moments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        ordering = ["month", "day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31),
                name="moment_valid_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.month:02d}-{self.day:02d}"


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=50, blank=True)
    text = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class Note(models.Model):
    """A note about the customer; pinned notes are the ones "worth remembering"."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"), max_length=4000)
    pinned = models.BooleanField(_("worth remembering"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pinned", "-id"]

    def __str__(self) -> str:
        return self.text[:50]


class Relation(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Household member")
        EMPLOYER = "employer", _("Works for")
        REFERRED_BY = "referred_by", _("Referred by")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="related_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "other"], name="relation_unique"),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("other")), name="relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.other_id}"


class ConsentEvent(models.Model):
    """One grant or withdrawal of consent for one purpose. Append-only; state is derived."""

    class Purpose(models.TextChoices):
        SERVICE = "service", _("Service messages")
        MARKETING_EMAIL = "marketing_email", _("Marketing by e-mail")
        MARKETING_SMS = "marketing_sms", _("Marketing by SMS")
        MARKETING_PHONE = "marketing_phone", _("Marketing by phone")
        MARKETING_WECHAT = "marketing_wechat", _("Marketing on WeChat")
        ANALYTICS = "analytics", _("Analytics")
        PROFILING = "profiling", _("Profiling and personalisation")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=32)  # web form, phone, portal, import…
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-id"], name="consent_state_idx")]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.granted else 'no'}"


class Merge(models.Model):
    """One merge of a duplicate into a survivor, with what is needed to undo it."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges")
    duplicate = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merged_away")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    # {"survivor_before": {...}, "moved": {"app.Model": [ids]}, "dropped_relations": [...]}
    record = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} → {self.survivor_id}"


class DuplicatePair(models.Model):
    """Two customers the periodic scan found alike (``low`` has the smaller id)."""

    low = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    found_at = models.DateTimeField(auto_now=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(low__lt=models.F("high")), name="pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.low_id} ~ {self.high_id} ({self.score})"


class DuplicateScan(models.Model):
    """One run of the periodic scan; the next run looks at customers changed since it began."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    scanned = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"scan {self.started_at:%Y-%m-%d %H:%M}"
