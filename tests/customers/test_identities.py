from __future__ import annotations

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from heartline.customers.identities import normalise_email, normalise_member_no, normalise_phone

CN_TYPES = [
    t
    for t in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.VOIP,
    )
    if phonenumbers.example_number_for_type("CN", t) is not None
]


@pytest.mark.parametrize(
    "typed",
    [
        "138 0013 8000",
        "+86 138-0013-8000",
        "008613800138000",
        "13800138000",
        "+８６ １３８００１３８０００",
    ],
)
def test_one_mobile_number_however_it_is_typed(typed, settings):
    settings.DEFAULT_PHONE_REGION = "CN"
    assert normalise_phone(typed) == "+8613800138000"


@pytest.mark.parametrize("number_type", CN_TYPES)
def test_every_china_example_number_in_national_format_parses_to_e164(number_type, settings):
    settings.DEFAULT_PHONE_REGION = "CN"
    example = phonenumbers.example_number_for_type("CN", number_type)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert normalise_phone(national) == e164
    assert normalise_phone(e164) == e164


@settings(max_examples=200, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=8, max_size=8),
    prefix=st.sampled_from(["138", "139", "150", "186", "177"]),
    style=st.sampled_from(
        ["{p}{d}", "{p} {a} {b}", "+86 {p}-{a}-{b}", "0086{p}{d}", "(+86) {p}{d}"]
    ),
)
def test_property_formats_of_one_mobile_number_agree(digits, prefix, style):
    typed = style.format(p=prefix, d=digits, a=digits[:4], b=digits[4:])
    assert normalise_phone(typed, "CN") == f"+86{prefix}{digits}"


@pytest.mark.parametrize("bad", ["", "hello", "123", "+86 123", "1" * 60, "13800138000\n<script>"])
def test_bad_phone_numbers_are_refused_with_a_message(bad):
    with pytest.raises(ValidationError) as err:
        normalise_phone(bad, "CN")
    assert err.value.code == "invalid_phone"


def test_emails_are_normalised_and_bad_ones_refused():
    assert normalise_email("  Li.Na@Example.COM ") == "li.na@example.com"
    assert normalise_email("wang@例子.中国") == "wang@xn--fsqu00a.xn--fiqs8s"
    for bad in ["", "no-at-sign", "a@", "@b.cn", "x" * 300 + "@a.cn"]:
        with pytest.raises(ValidationError):
            normalise_email(bad)


def test_member_numbers_ignore_spaces_and_case():
    assert normalise_member_no(" hl 0012 34 ") == "HL001234"
