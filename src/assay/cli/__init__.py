"""The ``assay`` command line: run the server, administer the local database, and talk to a server."""
