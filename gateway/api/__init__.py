"""The JSON API, one module per service; the schemas of what each accepts
and returns are in gateway/api/schemas/."""
