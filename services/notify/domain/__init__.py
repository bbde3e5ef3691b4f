"""The rules of telling residents what happened: plain Python, no nameko,
HTTP or SQL. The service shell hears events, asks these modules what to send
and how, and sends it through GOV.UK Notify.

templates: message templates in Notify's form (data in
    services/notify/templates), rendering them without holes, and how many
    text messages a body costs.
channels: which channel to try first and what to fall back to, and whether
    a failed send is worth retrying.
"""
