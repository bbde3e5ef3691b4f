"""The rules of bin collections and missed-bin reports: plain Python, no
nameko, HTTP or SQL. The service shell loads facts, asks these modules, and
stores and announces what they decide."""
