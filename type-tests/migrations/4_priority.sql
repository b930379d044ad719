CREATE TYPE priority AS ENUM ('low', 'high');
ALTER TABLE documents ADD COLUMN priority priority NOT NULL DEFAULT 'low';
