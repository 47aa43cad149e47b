"""Input types every service's forms share."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _plausible(value: datetime) -> datetime:
    # a time zone offset on year 1 or 9999 cannot even be turned into UTC: refuse clearly, not with a 500
    if not 2000 <= value.year <= 2100:
        raise ValueError("Tidpunkten måste ligga mellan år 2000 och 2100. | The time must be between the years 2000 and 2100.")
    return value


PlausibleDatetime = Annotated[AwareDatetime, AfterValidator(_plausible)]
