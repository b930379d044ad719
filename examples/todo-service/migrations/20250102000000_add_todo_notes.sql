ALTER TABLE todos ADD COLUMN notes text;

CREATE INDEX todos_state_idx ON todos (state);
