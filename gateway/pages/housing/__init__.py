"""Help with housing: the resident pages."""
