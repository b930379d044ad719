CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);
ALTER TABLE tags ADD COLUM color text;
