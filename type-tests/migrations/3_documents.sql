CREATE TABLE documents (
    id serial PRIMARY KEY,
    body tsvector,
    search tsquery,
    path jsonpath,
    bodies tsvector[],
    tags text[] NOT NULL DEFAULT '{}',
    title text NOT NULL
);
