"""What the gateway accepts from and returns to API callers, one module per
service: identifiers, fields, vocabularies and JSON schemas."""
