"""UK postcodes as residents type them: any case, any spacing.

`normalise(" sw1a1aa ")` gives "SW1A 1AA"; anything that cannot be a UK
postcode gives None. This checks the shape only (outward code, then a digit
and two letters); whether the postcode is in the borough is the store's
question.
"""
import re

# Inward codes never use C, I, K, M, O or V (Royal Mail's rules).
_SHAPE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise(text):
    if not isinstance(text, str):
        return None
    compact = re.sub(r"\s+", "", text).upper()
    match = _SHAPE.match(compact)
    if not match:
        return None
    return f"{match[1]} {match[2]}"
