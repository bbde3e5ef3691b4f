"""Who is calling: staff bearer tokens (JWT), API keys and roles; and the
`townhall-token` command that signs development tokens."""
