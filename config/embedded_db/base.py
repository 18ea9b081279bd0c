"""Django's PostgreSQL backend, pointed at the embedded server, which it starts on demand."""

from django.db.backends.postgresql import base

from .server import ensure_database, ensure_running


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        socket_dir, port = ensure_running()
        params["host"] = socket_dir
        params["port"] = port
        # The test runner creates (and drops) test_* databases itself.
        name = params.get("dbname")
        if name and name != "postgres" and not name.startswith("test_"):
            ensure_database(name)
        return params
