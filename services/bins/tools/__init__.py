"""Bins' command-line tools for operators: load a council's CSV export
(importer) or generate a demo borough of any size (generator). They run
outside the service, because COPY does not work under eventlet."""
