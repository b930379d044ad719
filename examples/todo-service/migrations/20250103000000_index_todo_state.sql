-- no-transaction
-- An index on a table that already holds rows is built CONCURRENTLY, so that
-- writes to todos go on while it builds; that needs a migration of its own,
-- outside a transaction.
CREATE INDEX CONCURRENTLY todos_state_idx ON todos (state);
