-- CALL through the macros: a procedure's OUT and INOUT arguments are the
-- row it returns; a function's OUT arguments are its columns or a record.
CREATE PROCEDURE task_visit(IN task integer, OUT status task_status, INOUT visits integer)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.status INTO status FROM tasks t WHERE t.id = task;
    visits := visits + 1;
END $$;
CREATE PROCEDURE task_forget(IN task integer) LANGUAGE sql AS $$ DELETE FROM tasks WHERE id = task $$;
CREATE FUNCTION task_brief(IN task integer, OUT status task_status, OUT n_headers integer)
LANGUAGE sql AS $$ SELECT t.status, cardinality(t.headers) FROM tasks t WHERE t.id = task $$;
