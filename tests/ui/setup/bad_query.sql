SELECT id,
       emial
FROM users
WHERE id = $1
