ALTER TABLE todos ADD COLUMN notes text;
