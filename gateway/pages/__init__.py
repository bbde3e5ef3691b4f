"""The resident pages, one package per journey: its routes, forms, words
and templates together."""
