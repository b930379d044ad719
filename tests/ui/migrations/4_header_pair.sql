CREATE TYPE header_pair AS (name text, value bytea);
