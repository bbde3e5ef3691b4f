"""The pages' dates and times in words: the kit's, so that messages and
pages say a time the same way."""
from services.council.words import (LOCAL_TIMEZONE, as_date, clock_text, date_text,  # noqa: F401
                                day_text, local_moment, local_today, when_text)
