CREATE TYPE task_status AS ENUM ('TODO', 'IN_PROGRESS', 'DONE');
CREATE TYPE header_pair AS (name text, value bytea);
CREATE TABLE tasks (
    id serial PRIMARY KEY,
    status task_status NOT NULL DEFAULT 'TODO',
    statuses task_status[],
    headers header_pair[],
    main_header header_pair
);
CREATE TABLE builds (
    id serial PRIMARY KEY,
    branch text NOT NULL,
    duration interval
);
CREATE TYPE task_ref AS (id integer, status task_status);
