from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)
