CREATE TYPE "TaskStatus" AS ENUM ('TODO', 'DOING', 'DONE');

CREATE TABLE tasks (
    id serial PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    status "TaskStatus" NOT NULL DEFAULT 'TODO',
    tags text[] NOT NULL DEFAULT '{}',
    details jsonb,
    estimate real
);
