CREATE TABEL notes (
    id bigserial PRIMARY KEY,
    body text NOT NUL
);
