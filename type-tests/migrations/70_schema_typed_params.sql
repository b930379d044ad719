-- Parameters of the schema's own types, counted by tests/round_trips.rs.
CREATE DOMAIN short_text AS text CHECK (length(VALUE) <= 20);
CREATE TABLE labels (
    id bigint PRIMARY KEY,
    name short_text NOT NULL,
    feeling mood NOT NULL,
    status task_status NOT NULL,
    pair header_pair
);
