-- What the executor and round-trip tests read and write.
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);
