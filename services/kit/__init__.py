"""Shared plumbing for Townhall services: config, database unit of work,
transactional outbox, idempotent inbox, reliable event handlers, logging and
health. No domain rules live here."""
