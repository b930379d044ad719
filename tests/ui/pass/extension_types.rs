// Columns and parameters of extension types the postgres driver reads:
// citext and ltree as String, hstore as HashMap<String, Option<String>>;
// pgvector's distance is a float8, its vector passed as text.
use std::collections::HashMap;

fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let rows = migrate::query!(
        "SELECT email, path, attributes, similarity(email::text, $1) AS score, embedding <-> $2::text::vector AS distance
         FROM extension_samples WHERE email = $3 AND path <@ $4",
        "needle",
        "[1,2,3]",
        "someone@example.com".to_owned(),
        "top.science".to_owned(),
    )
    .fetch_all(client)?;
    for row in rows {
        let _: (String, String, Option<HashMap<String, Option<String>>>) =
            (row.email, row.path, row.attributes);
        let _: (Option<f32>, Option<f64>) = (row.score, row.distance);
    }
    Ok(())
}

fn main() {
    let _ = run;
}
