//! The drift fixes on real histories, run backwards: after each migration of
//! a corpus set is applied, the differences between the live database and
//! the fold of the migrations *before* it are computed, their fix SQL is run
//! (in a transaction that is then rolled back), and the database must then
//! equal that earlier fold. Every migration thereby tests the SQL that
//! `migrate_core::ddl` writes and the order in which `drift::compare` puts
//! it, on schemas nobody here wrote: this is what `migrate rollback-sql`
//! and `migrate diff` will print.

use std::fmt::Write;

use expect_test::{Expect, expect};
use migrate_build::discover::discover;
use migrate_build::fold::Folder;
use migrate_runtime::drift::{compare, fix_steps};
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::{TestDatabase, corpus_dir};

fn reverse_each_migration(set: &str, known: Expect) {
    let dir = corpus_dir().join(set).join("migrations");
    let discovered = discover(&dir, None).unwrap();
    let db = TestDatabase::new(&format!("reverse_{set}"));
    let mut client = db.client();
    let mut folder = Folder::new();
    let mut report = String::new();
    let (mut n_reversed, mut n_unchanged, mut n_steps, mut n_losing) = (0, 0, 0, 0);
    for migration in &discovered.migrations {
        let before = folder.schema().clone();
        folder.apply(migration);
        let applied = if migration.transactional {
            client.batch_execute(&migration.up)
        } else {
            migration
                .statements
                .iter()
                .try_for_each(|statement| client.batch_execute(statement))
        };
        client.batch_execute("RESET ALL").unwrap();
        if applied.is_err() {
            // As in the corpus (hatchet's file that needs a Go migration).
            let _ = writeln!(report, "{}: does not apply", migration.path);
            continue;
        }
        let mut after = introspect(&mut client, &IntrospectOptions::default()).unwrap();
        without_dated_partitions(&mut after);
        let differences = compare(&before, &after);
        if differences.is_empty() {
            n_unchanged += 1;
            continue;
        }
        n_steps += differences.len();
        n_losing += differences.iter().filter(|d| d.loses_data).count();
        let mut transaction = client.transaction().unwrap();
        let mut failed = None;
        for step in fix_steps(&differences) {
            if let Err(error) = transaction.batch_execute(step.sql) {
                let message = error
                    .as_db_error()
                    .map_or_else(|| error.to_string(), |db| db.message().to_owned());
                failed = Some(format!("{}: {}", step.difference.object, undated(&message)));
                break;
            }
        }
        match failed {
            Some(failure) => {
                let _ = writeln!(report, "{}: fix failed at {failure}", migration.path);
            }
            None => {
                let mut reversed =
                    introspect(&mut transaction, &IntrospectOptions::default()).unwrap();
                without_dated_partitions(&mut reversed);
                let left = compare(&before, &reversed);
                if left.is_empty() {
                    n_reversed += 1;
                } else {
                    for difference in left {
                        println!("{}: left {}", migration.path, difference.message);
                        let _ = writeln!(
                            report,
                            "{}: left {:?} {}",
                            migration.path, difference.kind, difference.object
                        );
                    }
                }
            }
        }
        transaction.rollback().unwrap();
    }
    println!(
        "{set}: {} migrations; {n_unchanged} change no compared shape, {n_reversed} reversed \
         exactly by their fix SQL ({n_steps} differences, {n_losing} of them losing data)",
        discovered.migrations.len()
    );
    known.assert_eq(&report);
}

/// `message` with the day in the name of a partition made at run time
/// (`v1_dags_olap_20261121`) written as `YYYYMMDD`, so that the expected
/// report does not change with the date.
fn undated(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("_20") {
        let digits = &rest[at + 1..];
        let day = digits.len() >= 8 && digits.as_bytes()[..8].iter().all(u8::is_ascii_digit);
        out.push_str(&rest[..at + 1]);
        if day {
            out.push_str("YYYYMMDD");
            rest = &digits[8..];
        } else {
            rest = digits;
        }
    }
    out.push_str(rest);
    out
}

/// hatchet's partitions named after the day they were made at run time
/// (`v1_tasks_olap_20261121`): no fold can know them (see differential_corpus).
fn without_dated_partitions(schema: &mut migrate_core::Schema) {
    let dated = |name: &str| {
        name.as_bytes().windows(9).any(|window| {
            window[0] == b'_'
                && window[1..3] == *b"20"
                && window[1..].iter().all(u8::is_ascii_digit)
        })
    };
    schema.relations.retain(|name, _| !dated(&name.name));
    schema.indexes.retain(|_, index| !dated(&index.table.name));
    schema.sequences.retain(|_, sequence| {
        !sequence
            .owned_by
            .as_ref()
            .is_some_and(|(table, _)| dated(&table.name))
    });
}

#[test]
fn labrinth_migrations_reverse() {
    reverse_each_migration("labrinth", expect![""]);
}

#[test]
fn kestra_migrations_reverse() {
    reverse_each_migration(
        "kestra",
        expect![[r#"
            V1_8__execution_cancelled.sql: fix failed at type public.state_type: cannot specify USING when altering type of generated column
            V1_9__execution_queued.sql: fix failed at type public.state_type: cannot specify USING when altering type of generated column
            V1_18__retry_revamp.sql: fix failed at type public.state_type: cannot specify USING when altering type of generated column
            V1_19__retry_flow.sql: fix failed at type public.state_type: cannot specify USING when altering type of generated column
            V1_26__skipped.sql: fix failed at type public.state_type: cannot specify USING when altering type of generated column
        "#]],
    );
}

#[test]
fn crates_io_migrations_reverse() {
    reverse_each_migration(
        "crates_io",
        expect![[r#"
            20170322130523_version_downloads_needs_no_id/up.sql: left Changed index public.index_crate_downloads_date
            20170428154714_multiple_api_tokens/up.sql: left Changed index public.index_crate_downloads_date
            20170428154714_multiple_api_tokens/up.sql: left Changed index public.index_version_downloads_date
            20170430202433_reserve_windows_crate_names/up.sql: left Changed index public.index_crate_downloads_date
            20170430202433_reserve_windows_crate_names/up.sql: left Changed index public.index_version_downloads_date
            20170502181306_drop_schema_migrations/up.sql: left Changed index public.index_crate_downloads_date
            20170502181306_drop_schema_migrations/up.sql: left Changed index public.index_version_downloads_date
            20170611165120_add_license_to_versions/up.sql: left Changed index public.index_crate_downloads_date
            20170611165120_add_license_to_versions/up.sql: left Changed index public.index_version_downloads_date
            20170706165855_dont_touch_timestamps_unless_row_changed/up.sql: left Changed index public.index_crate_downloads_date
            20170706165855_dont_touch_timestamps_unless_row_changed/up.sql: left Changed index public.index_version_downloads_date
            20170708133715_ensure_crate_id_foreign_keys_cascade/up.sql: left Changed index public.index_crate_downloads_date
            20170708133715_ensure_crate_id_foreign_keys_cascade/up.sql: left Changed index public.index_version_downloads_date
            20170708135123_ensure_version_id_foreign_keys_cascade/up.sql: left Changed index public.index_crate_downloads_date
            20170708135123_ensure_version_id_foreign_keys_cascade/up.sql: left Changed index public.index_version_downloads_date
            20170711193021_rerename_gitlab/up.sql: left Changed index public.index_crate_downloads_date
            20170711193021_rerename_gitlab/up.sql: left Changed index public.index_version_downloads_date
            20170728002039_fix_keywords/up.sql: left Changed index public.index_crate_downloads_date
            20170728002039_fix_keywords/up.sql: left Changed index public.index_version_downloads_date
            20170801133919_touch_crates_when_versions_modified/up.sql: left Changed index public.index_crate_downloads_date
            20170801133919_touch_crates_when_versions_modified/up.sql: left Changed index public.index_version_downloads_date
            20170804200817_add_email_table/up.sql: left Changed index public.index_crate_downloads_date
            20170804200817_add_email_table/up.sql: left Changed index public.index_version_downloads_date
            20170820180453_readme_rendering_tracking/up.sql: left Changed index public.index_crate_downloads_date
            20170820180453_readme_rendering_tracking/up.sql: left Changed index public.index_version_downloads_date
            2017-08-31-230457_invitations/up.sql: left Changed index public.index_crate_downloads_date
            2017-08-31-230457_invitations/up.sql: left Changed index public.index_version_downloads_date
            2017-09-23-182408_move_tokens_to_emails_table/up.sql: fix failed at column public.emails.token: cannot drop column token of table emails because other objects depend on it
            2017-09-23-191545_add_users_to_emails_foreign_key/up.sql: left Changed index public.index_crate_downloads_date
            2017-09-23-191545_add_users_to_emails_foreign_key/up.sql: left Changed index public.index_version_downloads_date
            2017-09-23-210614_move_readme_rendering_onto_versions/up.sql: left Changed index public.index_crate_downloads_date
            2017-09-23-210614_move_readme_rendering_onto_versions/up.sql: left Changed index public.index_version_downloads_date
            2017-09-26-200549_users_lowercase_index/up.sql: left Changed index public.index_crate_downloads_date
            2017-09-26-200549_users_lowercase_index/up.sql: left Changed index public.index_version_downloads_date
            2017-10-06-234455_fix_local_dbs_unique_gh_login/up.sql: left Changed index public.index_crate_downloads_date
            2017-10-06-234455_fix_local_dbs_unique_gh_login/up.sql: left Changed index public.index_version_downloads_date
            2017-10-08-193512_category_trees/up.sql: left Changed index public.index_crate_downloads_date
            2017-10-08-193512_category_trees/up.sql: left Changed index public.index_version_downloads_date
            2017-10-09-135625_add_lower_gh_login_index/up.sql: left Changed index public.index_crate_downloads_date
            2017-10-09-135625_add_lower_gh_login_index/up.sql: left Changed index public.index_version_downloads_date
            2017-10-16-200404_stop_lying_to_schema/up.sql: left Changed index public.index_crate_downloads_date
            2017-10-16-200404_stop_lying_to_schema/up.sql: left Changed index public.index_version_downloads_date
            2017-10-17-052814_add_readme_file_to_crates/up.sql: left Changed index public.index_crate_downloads_date
            2017-10-17-052814_add_readme_file_to_crates/up.sql: left Changed index public.index_version_downloads_date
            2017-11-12-195324_lower_teams_names/up.sql: left Changed index public.index_crate_downloads_date
            2017-11-12-195324_lower_teams_names/up.sql: left Changed index public.index_version_downloads_date
            2018-01-18-172821_use_jsonb_for_features/up.sql: left Changed index public.index_crate_downloads_date
            2018-01-18-172821_use_jsonb_for_features/up.sql: left Changed index public.index_version_downloads_date
            2018-01-18-174843_create_readme_renderings/up.sql: left Changed index public.index_crate_downloads_date
            2018-01-18-174843_create_readme_renderings/up.sql: left Changed index public.index_version_downloads_date
            2018-04-13-170549_properly_index_version_downloads/up.sql: left Changed index public.index_crate_downloads_date
            2018-04-13-170549_properly_index_version_downloads/up.sql: left Changed index public.index_version_downloads_date
            2018-04-13-203856_trigger_search_reindex_less/up.sql: left Changed index public.index_crate_downloads_date
            2018-04-13-203856_trigger_search_reindex_less/up.sql: left Changed index public.index_version_downloads_date
            2018-04-24-145128_create_recent_crate_downloads/up.sql: left Changed index public.index_crate_downloads_date
            2018-04-24-145128_create_recent_crate_downloads/up.sql: left Changed index public.index_version_downloads_date
            2018-04-27-194025_remove_unused_indexes/up.sql: left Changed index public.index_crate_downloads_date
            2018-04-27-194025_remove_unused_indexes/up.sql: left Changed index public.index_version_downloads_date
            2018-05-03-150523_create_jobs/up.sql: left Changed index public.index_crate_downloads_date
            2018-06-03-195948_add_crate_size/up.sql: left Changed index public.index_crate_downloads_date
            2018-10-17-203221_index_crates_name/up.sql: left Changed index public.index_crate_downloads_date
            2018-11-01-223239_add_published_by_to_versions/up.sql: left Changed index public.index_crate_downloads_date
            2018-11-30-090110_add_revoked_to_api_tokens/up.sql: left Changed index public.index_crate_downloads_date
            2019-01-26-090348_create_version_owner_actions/up.sql: left Changed index public.index_crate_downloads_date
            2019-02-12-200540_track_version_published_by_email/up.sql: left Changed index public.index_crate_downloads_date
            2019-03-18-233900_create_publish_limit_buckets/up.sql: left Changed index public.index_crate_downloads_date
            2019-03-22-162022_define_recent_crate_downloads_in_terms_of_version_downloads/up.sql: left Changed index public.index_crate_downloads_date
            2019-03-22-170700_remove_crate_downloads/up.sql: left Changed index public.index_crate_downloads_date
            2019-09-18-233204_fix_int_type_in_to_semver_no_prerelease/up.sql: fix failed at type public.semver_triple: cannot drop type semver_triple because other objects depend on it
            2019-12-13-053745_add_crate_owner_invitation_token/up.sql: fix failed at column public.crate_owner_invitations.token: cannot drop column token of table crate_owner_invitations because other objects depend on it
            2024-06-14-084455_remove-semver-no-prerelease-column/up.sql: fix failed at column public.versions.semver_no_prerelease: function to_semver_no_prerelease(character varying) does not exist
            2025-02-17-133723_timezones/up.sql: fix failed at column public.crates.updated_at: cannot alter type of a column used in a trigger definition
        "#]],
    );
}

#[test]
fn inbox_zero_migrations_reverse() {
    reverse_each_migration(
        "inbox_zero",
        expect![[r#"
            20250804163003_better_auth/migration.sql: fix failed at column public."Account".expires_at: cannot cast type timestamp without time zone to integer
            20260430120000_add_star_rule_action/migration.sql: fix failed at type public."ActionType": cannot alter type of a column used in a trigger definition
            20260711120000_add_delete_action_type/migration.sql: fix failed at type public."ActionType": cannot alter type of a column used in a trigger definition
            20260810000000_add_integration_action/migration.sql: fix failed at type public."ActionType": cannot alter type of a column used in a trigger definition
        "#]],
    );
}

#[test]
fn hatchet_migrations_reverse() {
    reverse_each_migration(
        "hatchet",
        expect![[r#"
            20251216190909_v1_0_61.sql: left Changed partitioned table public.v1_payload_cutover_queue_item
            20251216190909_v1_0_61.sql: left Changed partitioned table public.v1_payload_wal
            20260202185136_v1_0_74.sql: fix failed at type public.v1_payload_type: cannot drop type v1_payload_type__old because other objects depend on it
            20260313020631_v1_0_85_durable_event_log.sql: fix failed at type public.v1_payload_type: cannot drop type v1_payload_type__old because other objects depend on it
            20260313020633_v1_0_87_readable_status_enum.sql: fix failed at type public.v1_readable_status_olap: cannot alter column "readable_status" because it is part of the partition key of relation "v1_dags_olap_YYYYMMDD"
            20260323184100_v1_0_91.sql: left Changed partitioned table public.v1_otel_trace
            20260323184100_v1_0_91.sql: left Changed partitioned table public.v1_otel_trace_lookup_table
            20260424205453_v1_0_100.sql: does not apply
            20260806002901_v1_0_138.sql: left Changed partitioned table public.v1_event_lookup_table
        "#]],
    );
}
