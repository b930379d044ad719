fn main() {
    let _ = migrate::query!(
        "WITH open_tasks AS (SELECT id, title FROM tasks WHERE status = 'TODO')
         SELECT id, owner_id FROM open_tasks"
    );
}
