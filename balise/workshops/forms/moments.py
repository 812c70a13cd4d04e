"""A day and a time typed separately, made into one aware date-time (the staff forms of
sessions and appointment slots ask for them apart, as people say them)."""

import datetime

from django.utils import timezone


def aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """``day`` at ``time`` in the current time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.datetime.combine(day, time))
