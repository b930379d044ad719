CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE float_range AS RANGE (subtype = float8);
CREATE TABLE samples (
    id serial PRIMARY KEY,
    span interval,
    spans interval[],
    at_zone timetz,
    price money,
    mac macaddr,
    mac8 macaddr8,
    lsn pg_lsn,
    doc xml,
    ints int4range,
    moods mood[],
    addresses inet[],
    relation regclass
);
