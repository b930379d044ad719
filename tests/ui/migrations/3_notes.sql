CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id integer NOT NULL REFERENCES tasks (id),
    body text NOT NULL,
    attachment bytea,
    score double precision,
    uid uuid
);
