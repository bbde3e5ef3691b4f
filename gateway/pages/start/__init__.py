"""The home page and the start page that sends a person to their journey."""
