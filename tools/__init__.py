"""Development tooling that is part of no service: the local mail server."""
