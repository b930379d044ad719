-- A CALL passing arguments by name through the macros: each parameter
-- takes the type of the argument it names, in whatever order the call
-- passes them; a trailing argument with a default may be left out.
CREATE PROCEDURE task_restatus(task integer, new_status task_status, OUT old_status task_status, INOUT note text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.status INTO old_status FROM tasks t WHERE t.id = task;
    UPDATE tasks SET status = new_status WHERE id = task;
    note := coalesce(note, 'none') || '!';
END $$;
