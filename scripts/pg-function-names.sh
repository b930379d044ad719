#!/usr/bin/env bash
# Regenerates migrate-build/src/analyze/pg_functions.rs from a live server's
# catalog: the names of the functions PostgreSQL has built in (schema
# pg_catalog), the overloads of those callable in a query, and what overload
# resolution needs to know of the types: category, preferred flag, array
# element, implicit casts, ranges. What extensions install is generated
# apart, by scripts/pg-extensions.sh.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1/postgres bash scripts/pg-function-names.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SCRATCH=migrate_function_names_$$
OUT=$ROOT/migrate-build/src/analyze/pg_functions.rs

psql -q "$URL" -c "CREATE DATABASE $SCRATCH"
trap 'psql -q "$URL" -c "DROP DATABASE IF EXISTS $SCRATCH"' EXIT
SCRATCH_URL=${URL%/*}/$SCRATCH
version=$(psql -Atq "$SCRATCH_URL" -c "SHOW server_version_num")
query() { psql -Atq "$SCRATCH_URL" -c "$1"; }

# A function a query can call whose argument and result types are all in
# pg_catalog and none of them internal to the server (a condition on pg_proc p).
CALLABLE="p.prokind IN ('f', 'a', 'w')
        AND NOT EXISTS (
          SELECT FROM unnest(p.proargtypes::oid[] || p.prorettype || p.provariadic) o
          JOIN pg_type t ON t.oid = o
          WHERE t.typnamespace <> 'pg_catalog'::regnamespace
             OR t.typname IN ('internal', 'cstring', 'trigger', 'event_trigger',
                'language_handler', 'fdw_handler', 'index_am_handler', 'tsm_handler',
                'table_am_handler', 'pg_ddl_command', 'unknown'))"

# One `proc(..)` line per callable overload of the functions $1 selects (a
# condition on pg_proc p). The names are those of the input arguments (IN,
# INOUT, VARIADIC), none when no input argument has one.
overloads() {
  query "SELECT format('%s(%s, &[%s], &[%s], %s, %s, %s, %s, %s),', '$2',
        to_json(p.proname::text),
        array_to_string(array(
          SELECT to_json(CASE WHEN p.provariadic <> 0 AND a.n = p.pronargs
                              THEN v.typname ELSE t.typname END::text)::text
          FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(oid, n)
          JOIN pg_type t ON t.oid = a.oid
          LEFT JOIN pg_type v ON v.oid = p.provariadic
          ORDER BY a.n), ', '),
        (SELECT CASE WHEN bool_or(n.name <> '')
                     THEN string_agg(to_json(n.name::text)::text, ', ' ORDER BY n.i) ELSE '' END
          FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY n(name, mode, i)
          WHERE n.mode IS NULL OR n.mode IN ('i', 'b', 'v')),
        p.pronargdefaults, (p.provariadic <> 0)::text, to_json(r.typname::text),
        p.proretset::text,
        CASE WHEN p.prokind = 'a' AND g.aggkind <> 'n' THEN 'ORDERED'
             WHEN p.prokind = 'a' THEN 'AGGREGATE'
             WHEN p.prokind = 'w' THEN 'WINDOW' ELSE 'SCALAR' END)
      FROM pg_proc p
      JOIN pg_type r ON r.oid = p.prorettype
      LEFT JOIN pg_aggregate g ON g.aggfnoid = p.oid
      WHERE ($1) AND $CALLABLE
      ORDER BY p.proname, p.pronargs, p.proargtypes::oid[]::regtype[]::text" \
    | sed 's/^/    /'
}

builtin_overloads=$(overloads "p.pronamespace = 'pg_catalog'::regnamespace" proc)

{
  echo "//! What PostgreSQL $((version / 10000)) has built in: function names, the overloads"
  echo "//! of those callable in a query, and the type facts overload resolution"
  echo "//! needs. What extensions install is in \`crate::extensions\`. Generated"
  echo "//! by scripts/pg-function-names.sh; do not edit."
  echo
  echo "/// Every function name in the schema \`pg_catalog\`, sorted."
  echo "pub(crate) const BUILTIN: &[&str] = &["
  query "SELECT DISTINCT proname FROM pg_proc
      WHERE pronamespace = 'pg_catalog'::regnamespace ORDER BY 1" | sed 's/.*/    "&",/'
  echo "];"
  echo
  echo "/// The overloads of the built-in functions a query can call, sorted by name."
  echo "#[rustfmt::skip]"
  echo "pub(crate) const BUILTIN_OVERLOADS: &[Proc] = &["
  printf '%s\n' "$builtin_overloads"
  echo "];"
  echo
  echo "/// The built-in function names that have overloads left out of the"
  echo "/// table above (not callable in a query, or of types outside"
  echo "/// \`pg_catalog\`), sorted."
  echo "pub(crate) const PARTIAL: &[&str] = &["
  query "SELECT DISTINCT p.proname FROM pg_proc p
      WHERE p.pronamespace = 'pg_catalog'::regnamespace AND NOT ($CALLABLE)
      ORDER BY 1" | sed 's/.*/    "&",/'
  echo "];"
  echo
  echo "/// Every type in \`pg_catalog\` by \`typname\`: its \`typcategory\`, whether it"
  echo "/// is the preferred type of its category, and for an array its element."
  echo "#[rustfmt::skip]"
  echo "pub(crate) const TYPES: &[(&str, char, bool, &str)] = &["
  query "SELECT format('    (%s, ''%s'', %s, %s),', to_json(t.typname::text), t.typcategory,
        t.typispreferred::text, to_json(CASE WHEN t.typsubscript = 'array_subscript_handler'::regproc
          AND t.typname LIKE '\\_%' THEN e.typname::text ELSE '' END))
      FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem
      WHERE t.typnamespace = 'pg_catalog'::regnamespace ORDER BY t.typname"
  echo "];"
  echo
  echo "/// The casts between built-in types: (source, target, \`castcontext\`"
  echo "/// (i implicit, a assignment, e explicit), \`castmethod\` (f function,"
  echo "/// b binary-compatible, i text I/O)), sorted."
  echo "#[rustfmt::skip]"
  echo "pub(crate) const CASTS: &[(&str, &str, char, char)] = &["
  query "SELECT format('    (%s, %s, ''%s'', ''%s''),', to_json(s.typname::text),
        to_json(t.typname::text), c.castcontext, c.castmethod)
      FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
      WHERE s.typnamespace = 'pg_catalog'::regnamespace
        AND t.typnamespace = 'pg_catalog'::regnamespace
      ORDER BY s.typname, t.typname"
  echo "];"
  echo
  echo "/// The built-in range types: (range, subtype, multirange)."
  echo "#[rustfmt::skip]"
  echo "pub(crate) const RANGES: &[(&str, &str, &str)] = &["
  query "SELECT format('    (%s, %s, %s),', to_json(r.typname::text), to_json(s.typname::text),
        to_json(m.typname::text))
      FROM pg_range g JOIN pg_type r ON r.oid = g.rngtypid JOIN pg_type s ON s.oid = g.rngsubtype
      JOIN pg_type m ON m.oid = g.rngmultitypid
      WHERE r.typnamespace = 'pg_catalog'::regnamespace ORDER BY r.typname"
  echo "];"
  echo
  cat <<'RUST'
/// One overload of a function, as `pg_proc` has it.
pub(crate) struct Proc {
    pub(crate) name: &'static str,
    /// Argument `typname`s (`int4`, `_text`, `anyelement`, `any`); for a
    /// variadic function the last is the element type it repeats.
    pub(crate) args: &'static [&'static str],
    /// The names of the arguments, as `args` lists them (`""` for one
    /// without a name); empty when none has a name. A call may pass an
    /// argument by its name (`make_interval(days => 1)`).
    pub(crate) arg_names: &'static [&'static str],
    /// How many trailing arguments have defaults and may be left out.
    pub(crate) defaults: u8,
    pub(crate) variadic: bool,
    pub(crate) returns: &'static str,
    /// Returns a set of rows (`SETOF`).
    pub(crate) set: bool,
    pub(crate) kind: ProcKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcKind {
    Scalar,
    Aggregate,
    /// Called with `WITHIN GROUP (ORDER BY ..)`, whose expressions are its
    /// last arguments.
    Ordered,
    Window,
}

use ProcKind::{Aggregate as AGGREGATE, Ordered as ORDERED, Scalar as SCALAR, Window as WINDOW};

#[allow(clippy::too_many_arguments)]
const fn proc(
    name: &'static str,
    args: &'static [&'static str],
    arg_names: &'static [&'static str],
    defaults: u8,
    variadic: bool,
    returns: &'static str,
    set: bool,
    kind: ProcKind,
) -> Proc {
    Proc { name, args, arg_names, defaults, variadic, returns, set, kind }
}
RUST
} > "$OUT"
rustfmt --edition 2024 "$OUT"
echo "wrote $OUT"
