"""Personal values (identity number, phones, passwords) that must never reach a log line."""

from __future__ import annotations

from bot.rules.applicant import resident_id_check_digit

ID_BODY = "11010519850315123"


ID_NUMBER = ID_BODY + resident_id_check_digit(ID_BODY)


CONTACT_PHONE = "13912345678"


NEW_CONTACT_PHONE = "13687654321"


APPLICANT_PHONE = "15011223344"


OWN = "Own-Password-9"
