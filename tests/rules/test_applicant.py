"""Applicant validation, normalisation and masking (SPEC §6, §12)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pydantic
import pytest

import bot.rules.applicant as applicant_module
from bot.errors import DomainError, InvalidInput
from bot.rules.applicant import (
    FIELD_LABELS,
    FIELD_PROMPTS,
    Applicant,
    IdType,
    id_number_prompt,
    mask_id_number,
    mask_phone,
    parse_change_description,
    parse_id_number,
    parse_mobile,
    parse_name,
    parse_permit_number,
    required_fields,
    resident_id_check_digit,
    validate_applicant,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = date(2025, 6, 15)


def make_resident_id(area: str = "110105", born: str = "19900307", seq: str = "123") -> str:
    """Build a resident id number with a correct check digit."""
    first17 = area + born + seq
    return first17 + resident_id_check_digit(first17)


def wrong_check(id18: str) -> str:
    """The same number with a check character that is certainly wrong."""
    right = id18[-1]
    return id18[:-1] + ("0" if right != "0" else "1")


def assert_chinese(err: InvalidInput) -> None:
    assert err.message
    assert str(err) == err.message
    assert CJK.search(err.message), err.message


VALID_IDS = [
    make_resident_id(),
    make_resident_id("310101", "20000229", "001"),  # leap day
    make_resident_id("440305", "19000101", "998"),  # earliest allowed year
    make_resident_id("650102", "19851231", "457"),
    make_resident_id("110105", TODAY.strftime("%Y%m%d"), "010"),  # born today
]
# Ends in X: find one by varying the sequence number.
X_ID = next(
    make_resident_id("110101", "19800101", f"{n:03d}")
    for n in range(1000)
    if make_resident_id("110101", "19800101", f"{n:03d}").endswith("X")
)


# ---------------------------------------------------------------- check digit


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # The two worked examples published with GB 11643-1999.
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
    ],
)
def test_check_digit_matches_published_samples(first17: str, check: str) -> None:
    assert resident_id_check_digit(first17) == check


@pytest.mark.parametrize(
    "bad", ["", "1101051949123100", "110105194912310021", "1101051949123100X"]
)
def test_check_digit_helper_refuses_non_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_digit(bad)


def test_every_check_character_is_reachable() -> None:
    seen = {resident_id_check_digit(f"1101011980010{n:04d}") for n in range(200)}
    assert seen == set("0123456789X")


# ---------------------------------------------------------------- resident ids


@pytest.mark.parametrize("id18", [*VALID_IDS, X_ID, "11010519491231002X"])
def test_valid_resident_ids_are_accepted(id18: str) -> None:
    assert parse_id_number(IdType.RESIDENT, id18, today=TODAY) == id18


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),  # lowercase x
        ("  11010519491231002X \n", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),  # typed in groups
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
    ],
)
def test_resident_id_is_normalised(raw: str, expected: str) -> None:
    assert parse_id_number("resident", raw) == expected


def test_resident_id_without_today_skips_only_the_future_check() -> None:
    future = make_resident_id(born="20990101")
    assert parse_id_number(IdType.RESIDENT, future) == future
    with pytest.raises(InvalidInput, match="晚于今天"):
        parse_id_number(IdType.RESIDENT, future, today=TODAY)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("11010519491231002", "18位，您输入了17位"),  # 17 chars
        ("1101051949123100211", "您输入了19位"),
        ("110105491231002", "您输入了15位"),  # old 15-digit card
        ("1101051949123100AB", "只能包含数字"),  # letters
        ("11010519491231-02X", "只能包含数字"),
        ("11010519491231002Y", "只能包含数字"),
        ("X10105194912310021", "只有最后一位可以是X"),
        ("1101051949X2310021", "只有最后一位可以是X"),
        (make_resident_id(born="19900230"), "出生日期"),  # Feb 30
        (make_resident_id(born="19901301"), "出生日期"),  # month 13
        (make_resident_id(born="19900100"), "出生日期"),  # day 0
        (make_resident_id(born="19010229"), "出生日期"),  # 1901 not a leap year
        (make_resident_id(born="18991231"), "出生日期"),  # before 1900
        ("440524188001010014", "出生日期"),  # GB sample, born 1880: check digit ok
        (make_resident_id(born="20250616"), "晚于今天"),  # tomorrow
        (make_resident_id(born="20990101"), "晚于今天"),
        (wrong_check("11010519491231002X"), "校验位"),
        *[(wrong_check(v), "校验位") for v in VALID_IDS],
        (wrong_check(X_ID), "校验位"),
    ],
)
def test_bad_resident_ids_get_specific_messages(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_id_number(IdType.RESIDENT, raw, today=TODAY)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


def test_resident_messages_are_distinct() -> None:
    cases = [
        "11010519491231002",  # length
        "1101051949123100AB",  # characters
        make_resident_id(born="19900230"),  # birth date
        wrong_check(make_resident_id()),  # check digit
    ]
    messages = set()
    for raw in cases:
        with pytest.raises(InvalidInput) as exc:
            parse_id_number(IdType.RESIDENT, raw, today=TODAY)
        messages.add(exc.value.message)
    assert len(messages) == len(cases)


# ---------------------------------------------------------------- other documents


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        (IdType.PASSPORT, "E12345678", "E12345678"),
        (IdType.PASSPORT, "e12345678", "E12345678"),
        (IdType.PASSPORT, " 5 3 1 2 3 4 5 6 7 ", "531234567"),
        (IdType.PASSPORT, "ＡＢ１２３", "AB123"),  # 5 chars, full-width
        (IdType.PASSPORT, "A" * 20, "A" * 20),
        (IdType.HK_MACAO, "H12345678", "H12345678"),
        (IdType.HK_MACAO, "m87654321", "M87654321"),
        (IdType.TAIWAN, "01234567", "01234567"),
        (IdType.FOREIGN_PR, "USA110090010101", "USA110090010101"),
        (IdType.FOREIGN_PR, "911840198001011234", "911840198001011234"),
        ("passport", "G12345678", "G12345678"),
    ],
)
def test_other_documents_accept_5_to_20_letters_or_digits(
    id_type: IdType | str, raw: str, expected: str
) -> None:
    assert parse_id_number(id_type, raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("id_type", "raw", "fragment"),
    [
        (IdType.PASSPORT, "", "不能为空"),
        (IdType.PASSPORT, "E1234", None),
        (IdType.PASSPORT, "E123", "您输入了4位"),
        (IdType.PASSPORT, "A" * 21, "您输入了21位"),
        (IdType.PASSPORT, "E-1234567", "字母和数字"),
        (IdType.PASSPORT, "护照12345", "字母和数字"),
        (IdType.HK_MACAO, "H1234567/8", "字母和数字"),
        (IdType.TAIWAN, "1234", "台湾居民来往大陆通行证号码应为5–20位"),
        (IdType.FOREIGN_PR, "ÄB12345", "字母和数字"),
    ],
)
def test_other_documents_refuse_bad_numbers(
    id_type: IdType, raw: str, fragment: str | None
) -> None:
    if fragment is None:  # boundary case that is valid
        assert parse_id_number(id_type, raw) == raw
        return
    with pytest.raises(InvalidInput) as exc:
        parse_id_number(id_type, raw)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


def test_unknown_id_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_id_number("driver_licence", "A12345")


def test_id_type_keys_and_labels() -> None:
    assert [t.value for t in IdType] == [
        "resident",
        "passport",
        "hk_macao",
        "taiwan",
        "foreign_pr",
    ]
    assert [t.label for t in IdType] == [
        "居民身份证",
        "护照",
        "港澳居民来往内地通行证",
        "台湾居民来往大陆通行证",
        "外国人永久居留身份证",
    ]
    assert all(CJK.search(id_number_prompt(t)) for t in IdType)
    assert "18位" in id_number_prompt("resident")


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  欧阳娜娜 ", "欧阳娜娜"),
        ("阿卜杜·艾尼", "阿卜杜·艾尼"),
        ("阿卜杜•艾尼", "阿卜杜·艾尼"),  # bullet
        ("阿卜杜・艾尼", "阿卜杜·艾尼"),  # katakana middle dot (Japanese IME)
        ("阿卜杜.艾尼", "阿卜杜·艾尼"),  # full stop typed for want of '·'
        ("阿卜杜 · 艾尼", "阿卜杜·艾尼"),
        ("张 三", "张三"),  # spaces inside a Chinese name are dropped
        ("张\u3000三", "张三"),  # ideographic space
        ("𠮷野家", "𠮷野家"),  # CJK extension B
        ("John Smith", "John Smith"),
        ("  John   Smith  ", "John Smith"),
        ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
        ("Mary-Jane O’Neil", "Mary-Jane O'Neil"),  # phone's curly apostrophe
        ("Mary - Jane", "Mary-Jane"),
        ("John F. Kennedy", "John F. Kennedy"),
        ("Martin Luther King Jr.", "Martin Luther King Jr."),
        ("José Müller", "José Müller"),
        ("Zoë Ødegård", "Zoë Ødegård"),
        ("Ｊｏｈｎ Ｓｍｉｔｈ", "John Smith"),  # full-width letters
        ("Li·Wei", "Li·Wei"),
        ("Al", "Al"),
        ("欧" * 40, "欧" * 40),
        ("A" * 40, "A" * 40),
    ],
)
def test_valid_names(raw: str, expected: str) -> None:
    assert parse_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("A", "至少2个字"),
        ("张", "至少2个字"),
        ("A.", "至少2个字"),
        ("欧" * 41, "最多40个字，您输入了41个字"),
        ("A" * 41, "您输入了41个字"),
        ("张3", "数字"),
        ("John Smith 2", "数字"),
        ("张三😀", "只能包含汉字或英文字母"),
        ("😀😀", "只能包含汉字或英文字母"),
        ("张三!", "只能包含汉字或英文字母"),
        ("John_Smith", "只能包含汉字或英文字母"),
        ("John@Smith", "只能包含汉字或英文字母"),
        ("张三（经理）", "只能包含汉字或英文字母"),
        ("Иван Петров", "只能包含汉字或英文字母"),  # Cyrillic: use the passport's Latin
        ("...", "只能包含汉字或英文字母"),
        ("张三John", "不要混用"),
        ("张-三", "中文姓名"),
        ("·张三", "符号"),
        ("张三·", "符号"),
        ("阿卜杜··艾尼", "符号"),
        ("-John", "符号"),
        ("John-", "符号"),
        ("O''Neil", "符号"),
        ("John.-Smith", "符号"),
    ],
)
def test_bad_names(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_name(raw)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


# ---------------------------------------------------------------- mobiles


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "86 13800138000",
        "8613800138000",
        "0086 138 0013 8000",
        "(+86) 138 0013 8000",
        "138 0013 8000",
        "１３８００１３８０００",  # full-width digits
        "＋８６ １３８－００１３－８０００",
        " 138—0013—8000 ",  # em dashes from a Chinese keyboard
    ],
)
def test_mobiles_normalise_to_11_digits(raw: str) -> None:
    assert parse_mobile(raw) == "13800138000"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_is_accepted(prefix: str) -> None:
    assert parse_mobile(prefix + "912345678") == prefix + "912345678"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("  - ", "不能为空"),
        ("12345678901", "13–19开头"),
        ("10012345678", "13–19开头"),
        ("01012345678", "13–19开头"),  # Beijing landline shape
        ("1380013800", "您输入了10位"),  # 10 digits
        ("138001380001", "您输入了12位"),
        ("+86 1380013800", "您输入了10位"),
        ("+852 91234567", "仅支持中国大陆"),
        ("+1 4155550100", "仅支持中国大陆"),
        ("00852 91234567", "仅支持中国大陆"),
        ("138OO138OOO", "只能包含数字"),  # letter O for zero
        ("138.0013.8000", "只能包含数字"),
        ("手机13800138000", "只能包含数字"),
    ],
)
def test_bad_mobiles(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_mobile(raw)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


# ---------------------------------------------------------------- permit and description


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ab1234", "AB1234"),
        (" 2023 0001 2345 ", "202300012345"),
        ("Ｂ１２３４５６", "B123456"),
        ("X" * 32, "X" * 32),
    ],
)
def test_valid_permit_numbers(raw: str, expected: str) -> None:
    assert parse_permit_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("AB123", "您输入了5位"),
        ("X" * 33, "您输入了33位"),
        ("AB-12345", "字母和数字"),
        ("京123456", "字母和数字"),
    ],
)
def test_bad_permit_numbers(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_permit_number(raw)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("变更", "变更"),
        ("  聘用单位由甲公司变更为乙公司  ", "聘用单位由甲公司变更为乙公司"),
        ("姓名更正，\n护照换发", "姓名更正， 护照换发"),  # one line; '，' kept as typed
        ("字" * 200, "字" * 200),
        ("x", "x"),
    ],
)
def test_valid_change_descriptions(raw: str, expected: str) -> None:
    assert parse_change_description(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("", "不能为空"), (" \n\t ", "不能为空"), ("字" * 201, "您输入了201个字")],
)
def test_bad_change_descriptions(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_change_description(raw)
    assert fragment in exc.value.message
    assert_chinese(exc.value)


# ---------------------------------------------------------------- no personal data echoed


SECRET_ID = make_resident_id("110105", "19900307", "123")
SECRET_PHONE = "13912345678"


@pytest.mark.parametrize(
    ("call", "secret"),
    [
        (lambda: parse_id_number("resident", wrong_check(SECRET_ID)), wrong_check(SECRET_ID)),
        (lambda: parse_id_number("resident", SECRET_ID[:17]), SECRET_ID[:17]),
        (lambda: parse_id_number("resident", SECRET_ID + "9"), SECRET_ID + "9"),
        (lambda: parse_id_number("resident", SECRET_ID[:-1] + "A"), SECRET_ID[:-1] + "A"),
        (
            lambda: parse_id_number(IdType.RESIDENT, make_resident_id(born="19900230")),
            make_resident_id(born="19900230"),
        ),
        (
            lambda: parse_id_number(
                IdType.RESIDENT, make_resident_id(born="20300101"), today=TODAY
            ),
            make_resident_id(born="20300101"),
        ),
        (lambda: parse_id_number("passport", "E123456789012345678901"), "E1234567890"),
        (lambda: parse_mobile(SECRET_PHONE[:10]), SECRET_PHONE[:10]),
        (lambda: parse_mobile("12" + SECRET_PHONE[2:]), SECRET_PHONE[2:]),
        (lambda: parse_mobile("+852" + SECRET_PHONE), SECRET_PHONE),
        (lambda: parse_mobile(SECRET_PHONE + "O"), SECRET_PHONE),
    ],
)
def test_messages_never_echo_identity_or_phone_numbers(
    call: Callable[[], str], secret: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        call()
    message = exc.value.message
    assert secret not in message
    # Not even a long run of the typed digits.
    assert not re.search(r"[0-9X]{6,}", message), message


# ---------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110105199003071234", "110105********1234"),
        ("11010519491231002X", "110105********002X"),
        ("911840198001011234", "911840********1234"),
        ("E1234567890123456789", "E12345**********6789"),  # 20 chars: half shown
        ("USA110090010101", "US***********01"),  # 15 chars
        ("E12345678", "E1*****78"),
        ("12345678", "12****78"),
        ("1234567", "1*****7"),
        ("12345", "1***5"),
        ("1234", "1**4"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked
    assert len(mask_id_number(raw)) == len(raw)


@pytest.mark.parametrize("n", range(0, 18))
def test_mask_never_reveals_more_than_half_of_a_short_number(n: int) -> None:
    raw = "A" * n
    shown = sum(1 for ch in mask_id_number(raw) if ch != "*")
    assert shown * 2 <= n


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("13812345678", "138****5678"), ("13800138000", "138****8000"), ("1234", "1**4")],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


# ---------------------------------------------------------------- the Applicant model


RAW_BASE = {
    "name": " 欧阳  娜娜 ",
    "id_type": "resident",
    "id_number": "11010519491231002x",
    "phone": "+86 139-1234-5678",
}


def test_applicant_validates_and_normalises_raw_strings() -> None:
    a = Applicant(**RAW_BASE)
    assert a.name == "欧阳娜娜"
    assert a.id_type is IdType.RESIDENT
    assert a.id_number == "11010519491231002X"
    assert a.phone == "13912345678"
    assert a.permit_number is None
    assert a.change_description is None


def test_applicant_is_frozen_and_forbids_unknown_fields() -> None:
    a = Applicant(**RAW_BASE)
    with pytest.raises(pydantic.ValidationError):
        a.name = "张三"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Applicant(**RAW_BASE, email="a@b.c")


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "张3", "数字"),
        ("id_number", "11010519491231002", "18位"),
        ("phone", "12345678901", "13–19开头"),
    ],
)
def test_applicant_raises_the_users_message(field: str, value: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        Applicant(**{**RAW_BASE, field: value})
    assert fragment in exc.value.message
    assert isinstance(exc.value, DomainError)


def test_applicant_id_number_is_judged_by_its_type() -> None:
    a = Applicant(**{**RAW_BASE, "id_type": "passport", "id_number": "e1234567"})
    assert a.id_number == "E1234567"
    with pytest.raises(InvalidInput):
        Applicant(**{**RAW_BASE, "id_type": "resident", "id_number": "E1234567"})


def test_applicant_unknown_id_type_is_a_validation_error() -> None:
    with pytest.raises(pydantic.ValidationError):
        Applicant(**{**RAW_BASE, "id_type": "驾驶证"})


def test_applicant_future_birth_date_needs_today_in_context() -> None:
    future = {**RAW_BASE, "id_number": make_resident_id(born="20300101")}
    assert Applicant.model_validate(future).id_number == future["id_number"]
    with pytest.raises(InvalidInput, match="晚于今天"):
        Applicant.model_validate(future, context={"today": TODAY})
    with pytest.raises(InvalidInput, match="晚于今天"):
        validate_applicant("new", future, today=TODAY)


def test_applicant_repr_hides_personal_data() -> None:
    a = Applicant(**RAW_BASE)
    text = repr(a) + str(a)
    assert "11010519491231002X" not in text
    assert "13912345678" not in text
    assert "欧阳娜娜" not in text


def test_applicant_round_trips_through_a_dump() -> None:
    a = validate_applicant("renew", {**RAW_BASE, "permit_number": "ab123456"})
    assert Applicant.model_validate(a.model_dump()) == a
    assert Applicant.model_validate_json(a.model_dump_json()) == a


def test_masked_display_strings() -> None:
    a = validate_applicant(
        "person_change",
        {**RAW_BASE, "permit_number": "ab123456", "change_description": " 护照换发 "},
    )
    assert a.masked() == {
        "name": "欧阳娜娜",
        "id_type": "居民身份证",
        "id_number": "110105********002X",
        "phone": "139****5678",
        "permit_number": "AB123456",
        "change_description": "护照换发",
    }
    new = validate_applicant("new", RAW_BASE)
    assert list(new.masked()) == ["name", "id_type", "id_number", "phone"]
    assert set(new.masked()) <= set(FIELD_LABELS)


# ---------------------------------------------------------------- fields per business


@pytest.mark.parametrize(
    ("business", "fields"),
    [
        ("new", ("name", "id_type", "id_number", "phone")),
        ("renew", ("name", "id_type", "id_number", "phone", "permit_number")),
        (
            "person_change",
            ("name", "id_type", "id_number", "phone", "permit_number", "change_description"),
        ),
        (
            "employer_change",
            ("name", "id_type", "id_number", "phone", "permit_number", "change_description"),
        ),
    ],
)
def test_required_fields(business: str, fields: tuple[str, ...]) -> None:
    assert required_fields(business) == fields


def test_required_fields_accepts_the_business_enum() -> None:
    from bot.rules.basket import BusinessType

    for business in BusinessType:
        assert required_fields(business) == required_fields(business.value)


@pytest.mark.parametrize("business", ["", "open_account", "NEW", "新办"])
def test_required_fields_unknown_business(business: str) -> None:
    with pytest.raises(ValueError):
        required_fields(business)
    with pytest.raises(ValueError):
        validate_applicant(business, RAW_BASE)


FULL = {**RAW_BASE, "permit_number": "AB123456", "change_description": "聘用单位变更"}


@pytest.mark.parametrize("business", ["new", "renew", "person_change", "employer_change"])
def test_validate_applicant_fills_exactly_the_required_fields(business: str) -> None:
    needed = required_fields(business)
    a = validate_applicant(business, {k: FULL[k] for k in needed})
    for field in FIELD_LABELS:
        assert (getattr(a, field) is not None) == (field in needed)
    # The classmethod form gives the same result.
    assert Applicant.for_business(business, **{k: FULL[k] for k in needed}) == a


@pytest.mark.parametrize(
    ("business", "missing"),
    [
        ("new", "phone"),
        ("new", "name"),
        ("renew", "permit_number"),
        ("person_change", "change_description"),
        ("employer_change", "permit_number"),
    ],
)
def test_missing_required_field_names_it_in_chinese(business: str, missing: str) -> None:
    data = {k: FULL[k] for k in required_fields(business) if k != missing}
    with pytest.raises(InvalidInput) as exc:
        validate_applicant(business, data)
    assert FIELD_LABELS[missing] in exc.value.message
    assert_chinese(exc.value)
    with pytest.raises(InvalidInput):
        validate_applicant(business, {**data, missing: None})


@pytest.mark.parametrize(
    ("business", "extra"),
    [
        ("new", "permit_number"),
        ("new", "change_description"),
        ("renew", "change_description"),
    ],
)
def test_fields_the_business_does_not_use_are_refused(business: str, extra: str) -> None:
    data = {k: FULL[k] for k in required_fields(business)}
    with pytest.raises(ValueError):
        validate_applicant(business, {**data, extra: FULL[extra]})
    # Present but empty (None) is fine, and stays None.
    a = validate_applicant(business, {**data, extra: None})
    assert getattr(a, extra) is None


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError):
        validate_applicant("new", {**RAW_BASE, "email": "a@b.c"})


def test_empty_required_field_gets_the_field_message() -> None:
    with pytest.raises(InvalidInput, match="工作居住证编号不能为空"):
        validate_applicant("renew", {**RAW_BASE, "permit_number": "  "})


# ---------------------------------------------------------------- texts


def test_labels_and_prompts_cover_every_field() -> None:
    assert set(FIELD_LABELS) == set(FIELD_PROMPTS) == set(Applicant.model_fields)
    assert FIELD_LABELS == {
        "name": "姓名",
        "id_type": "证件类型",
        "id_number": "证件号码",
        "phone": "手机号码",
        "permit_number": "工作居住证编号",
        "change_description": "变更内容说明",
    }
    for prompt in FIELD_PROMPTS.values():
        assert CJK.search(prompt)
        assert len(prompt) <= 40  # one or two lines on a phone


# Every InvalidInput the module can raise, collected from the cases above.
ALL_BAD_INPUTS = [
    (parse_name, ""),
    (parse_name, "A"),
    (parse_name, "张3"),
    (parse_name, "张三😀"),
    (parse_name, "张三John"),
    (parse_name, "张-三"),
    (parse_name, "·张三"),
    (parse_name, "欧" * 41),
    (parse_mobile, ""),
    (parse_mobile, "+852 91234567"),
    (parse_mobile, "138OO138OOO"),
    (parse_mobile, "1380013800"),
    (parse_mobile, "12345678901"),
    (parse_permit_number, ""),
    (parse_permit_number, "AB-12345"),
    (parse_permit_number, "AB1"),
    (parse_change_description, ""),
    (parse_change_description, "字" * 201),
]


@pytest.mark.parametrize(("func", "raw"), ALL_BAD_INPUTS)
def test_every_message_is_short_chinese(func: Callable[[str], str], raw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        func(raw)
    assert_chinese(exc.value)
    assert len(exc.value.message) <= 45  # fits a phone screen in two or three lines


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "11010519491231002",
        "1101051949123100AB",
        "X10105194912310021",
        make_resident_id(born="19900230"),
        make_resident_id(born="20300101"),
        wrong_check(make_resident_id()),
    ],
)
def test_every_resident_message_is_short_chinese(raw: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_id_number(IdType.RESIDENT, raw, today=TODAY)
    assert_chinese(exc.value)
    assert len(exc.value.message) <= 45


# ---------------------------------------------------------------- purity


FORBIDDEN_MODULES = {
    "os",
    "sys",
    "io",
    "pathlib",
    "shutil",
    "socket",
    "subprocess",
    "sqlite3",
    "aiosqlite",
    "asyncio",
    "telegram",
    "httpx",
    "requests",
    "logging",
    "time",
    "random",
    "secrets",
}


def test_applicant_module_is_pure() -> None:
    source = Path(applicant_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN_MODULES, imported & FORBIDDEN_MODULES
    allowed = {"__future__", "collections", "datetime", "enum", "pydantic", "re", "typing"}
    assert imported <= allowed | {"unicodedata", "bot"}
    clock_reads = [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow"}
    ]
    assert clock_reads == []
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"open", "print", "input", "eval", "exec"}
