"""The staff side: the caseworkers' housing pages, and the supervisors'
views of messages that failed every retry."""
