CREATE TYPE todo_state AS ENUM ('open', 'done');

CREATE TABLE todos (
    id bigserial PRIMARY KEY,
    title text NOT NULL CHECK (length(title) > 0),
    state todo_state NOT NULL DEFAULT 'open',
    created_at timestamptz NOT NULL DEFAULT now()
);
