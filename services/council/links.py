"""What a link in a message to a resident is for. The owner of what the
message is about names the kind, the reference and (when the page needs
one) the secret code; the notify service alone knows the address of each
kind of page (its settings' `link_shapes`)."""

REPORT_TRACKING = "report_tracking"        # a missed-bin report's tracking page
BOOKING_MANAGEMENT = "booking_management"  # a booking: change, cancel, calendar
WAITLIST_OFFER = "waitlist_offer"          # a place held for someone on the waiting list
CASE_STATUS = "case_status"                # where a person checks their housing case

LINK_KINDS: tuple[str, ...] = (REPORT_TRACKING, BOOKING_MANAGEMENT, WAITLIST_OFFER,
                               CASE_STATUS)


def link(kind, reference, code=None):
    """One link in an owner's `notification_facts` reply."""
    return {"kind": kind, "reference": reference, "code": code}
