"""PostgreSQL migrations: ``NNNN_name.sql`` files applied in order by ``bot.store.migrations``."""
