CREATE TABLE users (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    score integer NOT NULL
);
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
