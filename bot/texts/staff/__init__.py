"""Texts of the staff console (SPEC §11) and of the notices it sends to clerks (§3, §8), one
module per console area, mirroring ``bot/handlers/staff/``:

    common    button labels, refusals and prompts every area uses, day kinds
    console   /staff, /schedule, /find, the booking card, the unit card
    audit     a booking's history, in words and names
    capacity  /capacity and closures          calendar  /calendar
    admin     /staffadmin                      export    /export and /chart
    units     /units                           stats     /stats
    notices   what clerks are told

Staff screens are dense but short lines, for a phone, and entirely in Chinese.
``from bot.texts import staff as t`` reaches every name of the areas below except
``units`` and ``stats``, which their handlers import by name.
"""

from bot.texts.staff.admin import *  # noqa: F403
from bot.texts.staff.audit import *  # noqa: F403
from bot.texts.staff.calendar import *  # noqa: F403
from bot.texts.staff.capacity import *  # noqa: F403
from bot.texts.staff.common import *  # noqa: F403
from bot.texts.staff.console import *  # noqa: F403
from bot.texts.staff.export import *  # noqa: F403
from bot.texts.staff.notices import *  # noqa: F403
