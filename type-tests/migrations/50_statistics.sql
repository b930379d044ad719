-- Extended statistics, whose pg_ndistinct and pg_dependencies the round
-- trips read once the table is analysed: b is a function of a.
CREATE TABLE pairs (a integer NOT NULL, b integer NOT NULL);
CREATE STATISTICS pairs_ab (ndistinct, dependencies, mcv) ON a, b FROM pairs;
