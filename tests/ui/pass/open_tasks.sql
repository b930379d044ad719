-- Tasks still open for an owner.
SELECT id, title, tags, estimate
FROM tasks
WHERE owner_id = $1
  AND status <> 'DONE'
ORDER BY id
