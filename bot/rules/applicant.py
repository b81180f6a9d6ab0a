"""Applicant data: validation, normalisation and masking (SPEC §6, §12).

Every booked item names one applicant (申请人). The clerk types each field on a
phone, so each ``parse_…`` function takes the raw text, normalises it and either
returns the stored value or raises ``InvalidInput`` whose message says, in short
Simplified Chinese, what is wrong and what is expected. Messages never repeat the
typed identity or phone number (they may say how many characters were typed).

Normalisation common to the fields: Unicode NFKC first, so full-width digits and
letters typed with a Chinese keyboard (１３８、ＡＢＣ) become ASCII.

- 姓名 (name): 2–40 characters after trimming and collapsing whitespace. Either a
  Chinese name — CJK ideographs joined by '·' (ethnic-minority and transliterated
  names such as 阿卜杜·艾尼); spaces inside are dropped and '•', '・', '.' are
  read as '·' — or a foreign name in Latin letters (accents allowed) with spaces,
  '·', '.', and **(our decision)** '-' and the apostrophe, because passports carry
  names like ``Mary-Jane O'Neil``; a phone's curly apostrophe ’ is read as '.
  Scripts are not mixed, digits, emoji and other punctuation are refused, the name
  starts with a letter, ends with a letter (or '.' in a foreign name) and never
  has two marks in a row.
- 证件类型 (id type): one of ``IdType``; its value is the ASCII key stored.
- 证件号码 (id number): whitespace removed, upper-cased. 居民身份证: 18 characters,
  17 digits then a digit or X; the birth date in positions 7–14 is a real date in
  or after 1900 and not after ``today`` when given; the last character is the
  GB 11643-1999 (ISO 7064 MOD 11-2) check digit. The 6-digit area code is not
  checked **(our decision)**: the code table changes and a stale copy would
  refuse real people. Every other type: 5–20 letters or digits.
- 手机号码 (phone): a mainland mobile, 11 digits starting 13–19. Spaces, hyphens
  and parentheses are ignored and a ``+86`` / ``0086`` / ``86`` country prefix is
  dropped; any other country code is refused. Stored as the bare 11 digits.
- 工作居住证编号 (permit number, 续办 and both 变更 types): 6–32 letters or digits,
  whitespace removed, upper-cased.
- 变更内容说明 (change description, both 变更 types): 1–200 characters after
  trimming; whitespace runs become one space so it fits a one-line summary. It
  is free text, so it is not NFKC-normalised (that would turn Chinese '，' into ',').

Masking (shown everywhere after entry): an id number of 18 or more characters
keeps its first 6 and last 4 (110105********1234, the form the SPEC prescribes);
a shorter one keeps at most 2 at each end and never more than half of it. A
phone keeps its first 3 and last 4 (138****5678).

Which fields an item needs depends on its business type (``required_fields``);
``validate_applicant`` / ``Applicant.for_business`` check that every required
field is present and that no other is filled in, so an ``Applicant`` built that
way always fits its business.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.errors import InvalidInput

__all__ = [
    "FIELD_LABELS",
    "FIELD_PROMPTS",
    "Applicant",
    "IdType",
    "InvalidInput",
    "id_number_prompt",
    "mask_id_number",
    "mask_phone",
    "parse_change_description",
    "parse_id_number",
    "parse_mobile",
    "parse_name",
    "parse_permit_number",
    "required_fields",
    "resident_id_check_digit",
    "validate_applicant",
]


class IdType(StrEnum):
    """An identity document type; the value is the stable key stored in the database."""

    RESIDENT = "resident"
    PASSPORT = "passport"
    HK_MACAO = "hk_macao"
    TAIWAN = "taiwan"
    FOREIGN_PR = "foreign_pr"

    @property
    def label(self) -> str:
        """The Chinese name of the document (证件类型) shown to users."""
        return _ID_TYPE_LABELS[self]


_ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT: "居民身份证",
    IdType.PASSPORT: "护照",
    IdType.HK_MACAO: "港澳居民来往内地通行证",
    IdType.TAIWAN: "台湾居民来往大陆通行证",
    IdType.FOREIGN_PR: "外国人永久居留身份证",
}

FIELD_LABELS: dict[str, str] = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "手机号码",
    "permit_number": "工作居住证编号",
    "change_description": "变更内容说明",
}

FIELD_PROMPTS: dict[str, str] = {
    "name": "请输入申请人姓名（2–40个字，外籍人员可填写英文姓名）：",
    "id_type": "请选择申请人的证件类型：",
    "id_number": "请输入申请人的证件号码（居民身份证为18位）：",
    "phone": "请输入申请人的手机号码（11位）：",
    "permit_number": "请输入申请人现持有的工作居住证编号：",
    "change_description": "请简要说明变更内容（200字以内）：",
}

_ID_NUMBER_PROMPTS: dict[IdType, str] = {
    IdType.RESIDENT: "请输入18位居民身份证号码：",
    IdType.PASSPORT: "请输入护照号码（5–20位字母或数字）：",
    IdType.HK_MACAO: "请输入港澳居民来往内地通行证号码（5–20位字母或数字）：",
    IdType.TAIWAN: "请输入台湾居民来往大陆通行证号码（5–20位字母或数字）：",
    IdType.FOREIGN_PR: "请输入外国人永久居留身份证号码（5–20位字母或数字）：",
}

_BASE_FIELDS: tuple[str, ...] = ("name", "id_type", "id_number", "phone")
_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "new": _BASE_FIELDS,
    "renew": (*_BASE_FIELDS, "permit_number"),
    "person_change": (*_BASE_FIELDS, "permit_number", "change_description"),
    "employer_change": (*_BASE_FIELDS, "permit_number", "change_description"),
}

NAME_MIN, NAME_MAX = 2, 40
OTHER_ID_MIN, OTHER_ID_MAX = 5, 20
PERMIT_MIN, PERMIT_MAX = 6, 32
DESCRIPTION_MAX = 200
RESIDENT_ID_LENGTH = 18
MOBILE_LENGTH = 11
_EARLIEST_BIRTH_YEAR = 1900

# ISO 7064 MOD 11-2: weight of position i is 2**(17 - i) mod 11; the remainder of
# the weighted sum indexes the check character.
_CHECK_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"

_ALNUM = re.compile(r"[A-Z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_RESIDENT_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")

# Phones offer several look-alike dots, apostrophes and hyphens; a clerk should not
# have to find the one exact character on the keyboard.
_NAME_CHAR_MAP = str.maketrans(
    {
        "•": "·",
        "・": "·",
        "‧": "·",
        "∙": "·",
        "⋅": "·",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "‐": "-",
        "‑": "-",
    }
)
_NAME_MARKS = frozenset("·.-'")
_NAME_CHARS_MESSAGE = "姓名只能包含汉字或英文字母（可用空格、·、.、-、'），请重新输入。"
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—()]")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _squeeze(text: str) -> str:
    """Remove every whitespace character (ids and codes are often typed in groups)."""
    return "".join(text.split())


def _is_cjk(ch: str) -> bool:
    # The Unicode name covers every extension block (rare name characters such as
    # 𠮷 live outside the BMP) without a hand-kept range table.
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def _is_latin_letter(ch: str) -> bool:
    is_letter = unicodedata.category(ch).startswith("L")
    return is_letter and "LATIN" in unicodedata.name(ch, "")


def parse_name(text: str) -> str:
    """Return the applicant's name normalised, or raise ``InvalidInput``.

    Accepts a Chinese name (ideographs and '·') or a foreign name in Latin letters
    with spaces, '·', '.', '-' and "'"; see the module docstring for the details.
    """
    s = " ".join(_nfkc(text).translate(_NAME_CHAR_MAP).split())
    if not s:
        raise InvalidInput("姓名不能为空，请输入姓名（2–40个字）。")
    if any(ch.isdigit() for ch in s):
        raise InvalidInput("姓名不能包含数字，请按证件上的姓名填写。")
    has_cjk = has_latin = False
    for ch in s:
        if _is_cjk(ch):
            has_cjk = True
        elif _is_latin_letter(ch):
            has_latin = True
        elif ch != " " and ch not in _NAME_MARKS:
            raise InvalidInput(_NAME_CHARS_MESSAGE)
    if not (has_cjk or has_latin):
        raise InvalidInput(_NAME_CHARS_MESSAGE)
    if has_cjk and has_latin:
        raise InvalidInput("姓名请只用汉字或只用英文字母，不要混用。")
    if has_cjk:
        # Chinese names never contain spaces, and '.' is what people type when the
        # keyboard has no '·'.
        s = s.replace(" ", "").replace(".", "·")
        if any(ch in "-'" for ch in s):
            raise InvalidInput("中文姓名只能包含汉字和“·”，请重新输入。")
    else:
        s = re.sub(r" ?([·\-']) ?", r"\1", s)
    if len(s) > NAME_MAX:
        raise InvalidInput(f"姓名最多{NAME_MAX}个字，您输入了{len(s)}个字，请重新输入。")
    letters = sum(1 for ch in s if ch != " " and ch not in _NAME_MARKS)
    if letters < NAME_MIN:
        raise InvalidInput(f"姓名至少{NAME_MIN}个字，请输入完整姓名。")
    last_ok = s[-1] not in _NAME_MARKS or (s[-1] == "." and has_latin)
    doubled = any(a in _NAME_MARKS and b in _NAME_MARKS for a, b in zip(s, s[1:]))
    if s[0] in _NAME_MARKS or not last_ok or doubled:
        raise InvalidInput("姓名中的符号只能用在字母或汉字之间，请重新输入。")
    return s


def resident_id_check_digit(first17: str) -> str:
    """Return the GB 11643-1999 check character ('0'–'9' or 'X') for 17 digits.

    Raises ``ValueError`` (a programming error, not user input) unless ``first17``
    is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _DIGITS.fullmatch(first17):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _CHECK_WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _birth_date(id18: str) -> date | None:
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def _parse_resident_id(s: str, today: date | None) -> str:
    if not re.fullmatch(r"[0-9X]+", s):
        raise InvalidInput("身份证号码只能包含数字和末位的X，请重新输入18位号码。")
    if len(s) != RESIDENT_ID_LENGTH:
        raise InvalidInput(
            f"居民身份证号码应为18位，您输入了{len(s)}位，请核对后重新输入。"
        )
    if not _RESIDENT_SHAPE.fullmatch(s):
        raise InvalidInput("身份证号码只有最后一位可以是X，请核对后重新输入。")
    born = _birth_date(s)
    if born is None or born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidInput("身份证号码中的出生日期（第7–14位）无效，请核对后重新输入。")
    if today is not None and born > today:
        raise InvalidInput("身份证号码中的出生日期晚于今天，请核对后重新输入。")
    if resident_id_check_digit(s[:17]) != s[17]:
        raise InvalidInput("身份证号码校验位不正确，请核对后重新输入18位居民身份证号码。")
    return s


def parse_id_number(
    id_type: IdType | str, text: str, *, today: date | None = None
) -> str:
    """Return the id number normalised for its document type, or raise ``InvalidInput``.

    Whitespace is removed and letters upper-cased. A 居民身份证 number must have a
    valid birth date (not after ``today`` when given) and check digit; other
    documents take 5–20 letters or digits. An unknown ``id_type`` raises
    ``ValueError``: it comes from a button, never from typed text.
    """
    kind = IdType(id_type)
    s = _squeeze(_nfkc(text)).upper()
    if not s:
        raise InvalidInput(f"证件号码不能为空，{_ID_NUMBER_PROMPTS[kind].rstrip('：')}。")
    if kind is IdType.RESIDENT:
        return _parse_resident_id(s, today)
    if not _ALNUM.fullmatch(s):
        raise InvalidInput("证件号码只能包含英文字母和数字，请重新输入。")
    if not OTHER_ID_MIN <= len(s) <= OTHER_ID_MAX:
        raise InvalidInput(
            f"{kind.label}号码应为{OTHER_ID_MIN}–{OTHER_ID_MAX}位，"
            f"您输入了{len(s)}位，请核对后重新输入。"
        )
    return s


def id_number_prompt(id_type: IdType | str) -> str:
    """Return the question asking for the id number of the given document type."""
    return _ID_NUMBER_PROMPTS[IdType(id_type)]


def parse_mobile(text: str) -> str:
    """Return a mainland mobile number as its bare 11 digits, or raise ``InvalidInput``.

    Spaces, hyphens and parentheses are ignored; a ``+86``, ``0086`` or ``86``
    prefix is dropped; full-width digits are accepted.
    """
    s = _PHONE_SEPARATORS.sub("", _nfkc(text))
    if not s:
        raise InvalidInput("手机号码不能为空，请输入11位手机号码。")
    foreign = "仅支持中国大陆手机号码，请输入11位手机号码。"
    if s.startswith("+"):
        if not s.startswith("+86"):
            raise InvalidInput(foreign)
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("00"):
        raise InvalidInput(foreign)
    elif s.startswith("86") and len(s) == MOBILE_LENGTH + 2:
        s = s[2:]
    if not _DIGITS.fullmatch(s):
        raise InvalidInput("手机号码只能包含数字，请输入11位手机号码。")
    if len(s) != MOBILE_LENGTH:
        raise InvalidInput(f"手机号码应为11位，您输入了{len(s)}位，请核对后重新输入。")
    if not _MOBILE_SHAPE.fullmatch(s):
        raise InvalidInput("手机号码应以13–19开头，请输入中国大陆手机号码。")
    return s


def parse_permit_number(text: str) -> str:
    """Return the 工作居住证编号 normalised (6–32 letters/digits) or raise ``InvalidInput``."""
    s = _squeeze(_nfkc(text)).upper()
    if not s:
        raise InvalidInput("工作居住证编号不能为空，请输入证件上的编号。")
    if not _ALNUM.fullmatch(s):
        raise InvalidInput("工作居住证编号只能包含英文字母和数字，请重新输入。")
    if not PERMIT_MIN <= len(s) <= PERMIT_MAX:
        raise InvalidInput(
            f"工作居住证编号应为{PERMIT_MIN}–{PERMIT_MAX}位，"
            f"您输入了{len(s)}位，请核对后重新输入。"
        )
    return s


def parse_change_description(text: str) -> str:
    """Return the change description trimmed (1–200 chars) or raise ``InvalidInput``."""
    s = " ".join(text.split())
    if not s:
        raise InvalidInput("变更内容说明不能为空，请简要说明要变更的内容。")
    if len(s) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"变更内容说明最多{DESCRIPTION_MAX}个字，您输入了{len(s)}个字，请精简后重新输入。"
        )
    return s


def _mask(s: str, head: int, tail: int) -> str:
    return s[:head] + "*" * (len(s) - head - tail) + s[len(s) - tail :]


def mask_id_number(s: str) -> str:
    """Return an id number masked for display: 110105********1234.

    18 or more characters keep the first 6 and last 4; shorter ones keep at most
    2 at each end and never more than half of the characters.
    """
    if len(s) >= RESIDENT_ID_LENGTH:
        return _mask(s, 6, 4)
    keep = min(2, len(s) // 4)
    return _mask(s, keep, keep)


def mask_phone(s: str) -> str:
    """Return a phone number masked for display: 138****5678.

    Anything that is not 11 characters long is masked like a short id number.
    """
    if len(s) == MOBILE_LENGTH:
        return _mask(s, 3, 4)
    return mask_id_number(s)


def required_fields(business: str) -> tuple[str, ...]:
    """Return the applicant fields a business type needs, in the order they are asked.

    ``business`` is a business key (``new``, ``renew``, ``person_change``,
    ``employer_change``; a ``BusinessType`` member works too). Anything else raises
    ``ValueError``.
    """
    try:
        return _REQUIRED_FIELDS[business]
    except KeyError:
        raise ValueError(f"unknown business type: {business!r}") from None


class Applicant(BaseModel):
    """One applicant of one booked item, validated and normalised on construction.

    Building it from raw strings runs the ``parse_…`` functions, so a bad field
    raises ``InvalidInput`` (not a pydantic ``ValidationError``) with the message
    for the user; a wrong type or an unknown ``id_type`` key is a programming error
    and raises ``ValidationError``. Pass ``context={"today": date}`` to
    ``model_validate`` to refuse birth dates after today. ``repr()`` leaves out
    the name, id number and phone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Kept out of repr() so that logging a draft never writes personal data.
    name: str = Field(repr=False)
    id_type: IdType
    id_number: str = Field(repr=False)
    phone: str = Field(repr=False)
    permit_number: str | None = None
    change_description: str | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str) -> str:
        return parse_name(v)

    @field_validator("id_number")
    @classmethod
    def _check_id_number(cls, v: str, info: ValidationInfo) -> str:
        id_type = info.data.get("id_type")
        if id_type is None:
            # id_type already failed; pydantic reports that error, and the number
            # cannot be judged without knowing the document.
            return v
        today = (info.context or {}).get("today")
        return parse_id_number(id_type, v, today=today)

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, v: str) -> str:
        return parse_mobile(v)

    @field_validator("permit_number")
    @classmethod
    def _check_permit_number(cls, v: str | None) -> str | None:
        return None if v is None else parse_permit_number(v)

    @field_validator("change_description")
    @classmethod
    def _check_change_description(cls, v: str | None) -> str | None:
        return None if v is None else parse_change_description(v)

    @classmethod
    def for_business(
        cls, business: str, /, *, today: date | None = None, **fields: Any
    ) -> Self:
        """Build the applicant of an item of ``business`` from raw field values.

        Every required field must be given (``None`` counts as missing): a missing
        one raises ``InvalidInput`` naming it. A field the business does not use
        must be absent or ``None`` and stays ``None``; filling one in, or passing
        an unknown field, raises ``ValueError`` because the flow never asks for it.
        """
        required = required_fields(business)
        unknown = sorted(set(fields) - set(FIELD_LABELS))
        if unknown:
            raise ValueError(f"unknown applicant fields: {unknown}")
        extra = sorted(k for k in fields if k not in required and fields[k] is not None)
        if extra:
            raise ValueError(f"fields not used by {business!r}: {extra}")
        missing = [k for k in required if fields.get(k) is None]
        if missing:
            labels = "、".join(FIELD_LABELS[k] for k in missing)
            raise InvalidInput(f"申请人信息不完整，缺少：{labels}。请补充填写。")
        data = {k: fields[k] for k in required}
        return cls.model_validate(data, context={"today": today})

    def masked(self) -> dict[str, str]:
        """Return the display strings of the filled-in fields, keyed by field name.

        The id number and phone are masked and the id type is its Chinese label;
        fields left ``None`` are omitted. Labels are in ``FIELD_LABELS``.
        """
        shown: dict[str, str | None] = {
            "name": self.name,
            "id_type": self.id_type.label,
            "id_number": mask_id_number(self.id_number),
            "phone": mask_phone(self.phone),
            "permit_number": self.permit_number,
            "change_description": self.change_description,
        }
        return {k: v for k, v in shown.items() if v is not None}


def validate_applicant(
    business: str, data: Mapping[str, str | None], *, today: date | None = None
) -> Applicant:
    """Build an ``Applicant`` for ``business`` from a mapping of raw field values.

    The same checks as ``Applicant.for_business``.
    """
    return Applicant.for_business(business, today=today, **data)
