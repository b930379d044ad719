UPDATE subscriptions SET status = 'confirmed' WHERE id = $1
