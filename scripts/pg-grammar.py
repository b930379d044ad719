#!/usr/bin/env python3
"""Generates migrate-build/src/syntax/generated/pg<major>.grammar: PostgreSQL's
grammar as data, so that the fold can tell exactly which statements
PostgreSQL's parser rejects.

Usage:
    scripts/pg-grammar.py <postgresql-source-tree> [output-file]

The source tree is a PostgreSQL release (for example the tarball from
https://www.postgresql.org/ftp/source/ or a distribution's source package,
`apt-get source postgresql-15`). The script runs bison on
src/backend/parser/gram.y (bison 3 must be installed), reads the LALR tables
bison writes, the token numbers and the keyword list
(src/include/parser/kwlist.h), and writes them in the binary layout that
migrate-build/src/syntax/tables.rs reads. Nothing of PostgreSQL's C code is
kept: only the numbers of its parse tables and its keyword list.

The output is committed; regenerate it when moving to another PostgreSQL
version, then run `cargo test -p migrate-build --test syntax_pg`, which holds
the result against a live server.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

MAGIC = b"MIGRATE-PG-GRAM\x01"

CATEGORIES = {
    "UNRESERVED_KEYWORD": 0,
    "COL_NAME_KEYWORD": 1,
    "TYPE_FUNC_NAME_KEYWORD": 2,
    "RESERVED_KEYWORD": 3,
}


def c_array(source, name):
    match = re.search(
        r"static const (?:yytype_\w+|int|short|char) " + name + r"\[\] =\s*\{(.*?)\};",
        source,
        re.S,
    )
    if not match:
        sys.exit(f"pg-grammar: {name} not found in the generated parser")
    return [int(value) for value in re.findall(r"-?\d+", match.group(1))]


def c_define(source, name):
    match = re.search(r"#define " + name + r"\s+\(?(-?\d+)\)?", source)
    if not match:
        sys.exit(f"pg-grammar: #define {name} not found in the generated parser")
    return int(match.group(1))


def token_codes(header):
    """Token name -> number, from the `enum yytokentype` of gram.h."""
    enum = re.search(r"enum yytokentype\s*\{(.*?)\};", header, re.S)
    if not enum:
        sys.exit("pg-grammar: enum yytokentype not found in gram.h")
    return {name: int(code) for name, code in re.findall(r"(\w+) = (-?\d+)", enum.group(1))}


def keywords(kwlist):
    rows = re.findall(r'PG_KEYWORD\("([a-z_]+)", (\w+), (\w+), (\w+)\)', kwlist)
    if len(rows) < 400:
        sys.exit("pg-grammar: kwlist.h has too few keywords")
    return rows


def version_number(tree):
    with open(os.path.join(tree, "configure.ac"), encoding="utf-8") as handle:
        match = re.search(r"AC_INIT\(\[PostgreSQL\], \[(\d+)\.(\d+)", handle.read())
    if not match:
        sys.exit("pg-grammar: no version in configure.ac")
    return int(match.group(1)) * 10000 + int(match.group(2))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    tree = sys.argv[1]
    version = version_number(tree)
    output = (
        sys.argv[2]
        if len(sys.argv) == 3
        else os.path.join(
            os.path.dirname(os.path.abspath(__file__)),
            "..",
            "migrate-build",
            "src",
            "syntax",
            "generated",
            f"pg{version // 10000}.grammar",
        )
    )
    parser_dir = os.path.join(tree, "src", "backend", "parser")
    if shutil.which("bison") is None:
        sys.exit("pg-grammar: bison is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [
                "bison",
                "-d",
                "-o",
                os.path.join(scratch, "gram.c"),
                os.path.join(parser_dir, "gram.y"),
            ],
            check=True,
        )
        with open(os.path.join(scratch, "gram.c"), encoding="utf-8") as handle:
            parser = handle.read()
        with open(os.path.join(scratch, "gram.h"), encoding="utf-8") as handle:
            header = handle.read()
    with open(os.path.join(tree, "src", "include", "parser", "kwlist.h"), encoding="utf-8") as handle:
        kwlist = handle.read()

    final = c_define(parser, "YYFINAL")
    last = c_define(parser, "YYLAST")
    ntokens = c_define(parser, "YYNTOKENS")
    nnts = c_define(parser, "YYNNTS")
    nrules = c_define(parser, "YYNRULES")
    nstates = c_define(parser, "YYNSTATES")
    maxutok = c_define(parser, "YYMAXUTOK")
    pact_ninf = c_define(parser, "YYPACT_NINF")
    table_ninf = c_define(parser, "YYTABLE_NINF")

    translate = c_array(parser, "yytranslate")
    pact = c_array(parser, "yypact")
    defact = c_array(parser, "yydefact")
    pgoto = c_array(parser, "yypgoto")
    defgoto = c_array(parser, "yydefgoto")
    table = c_array(parser, "yytable")
    check = c_array(parser, "yycheck")
    r1 = c_array(parser, "yyr1")
    r2 = c_array(parser, "yyr2")
    names = re.search(r"yytname\[\] =\s*\{(.*?)\};", parser, re.S).group(1)
    names = [bytes(name, "utf-8").decode("unicode_escape") for name in re.findall(r'"((?:[^"\\]|\\.)*)"', names)]

    expected = {
        "translate": (translate, maxutok + 1),
        "pact": (pact, nstates),
        "defact": (defact, nstates),
        "pgoto": (pgoto, nnts),
        "defgoto": (defgoto, nnts),
        "table": (table, last + 1),
        "check": (check, last + 1),
        "r1": (r1, nrules + 1),
        "r2": (r2, nrules + 1),
        "names": (names, ntokens + nnts),
    }
    for what, (values, length) in expected.items():
        if len(values) != length:
            sys.exit(f"pg-grammar: {what} has {len(values)} entries, expected {length}")

    codes = token_codes(header)
    out = bytearray(MAGIC)
    out += struct.pack(
        "<9I2i",
        version,
        final,
        last,
        ntokens,
        nnts,
        nrules,
        nstates,
        maxutok,
        0,
        pact_ninf,
        table_ninf,
    )
    out += struct.pack(f"<{len(translate)}h", *translate)
    out += struct.pack(f"<{len(pact)}i", *pact)
    out += struct.pack(f"<{len(defact)}H", *defact)
    out += struct.pack(f"<{len(pgoto)}h", *pgoto)
    out += struct.pack(f"<{len(defgoto)}h", *defgoto)
    out += struct.pack(f"<{len(table)}h", *table)
    out += struct.pack(f"<{len(check)}h", *check)
    out += struct.pack(f"<{len(r1)}H", *r1)
    out += struct.pack(f"<{len(r2)}B", *r2)
    # Terminal names, by symbol number (for messages and tests).
    out += struct.pack("<H", ntokens)
    for name in names[:ntokens]:
        encoded = name.encode("utf-8")
        out += struct.pack("<B", len(encoded)) + encoded
    # Named tokens and their codes (what the lexer returns).
    named = sorted(codes.items(), key=lambda item: item[1])
    out += struct.pack("<H", len(named))
    for name, code in named:
        encoded = name.encode("utf-8")
        out += struct.pack("<B", len(encoded)) + encoded + struct.pack("<h", code)
    # Keywords, sorted as kwlist.h sorts them: text, token code, category.
    rows = keywords(kwlist)
    out += struct.pack("<H", len(rows))
    for text, token, category, _label in rows:
        if token not in codes:
            sys.exit(f"pg-grammar: keyword token {token} has no number")
        encoded = text.encode("ascii")
        out += struct.pack("<B", len(encoded)) + encoded
        out += struct.pack("<hB", codes[token], CATEGORIES[category])

    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "wb") as handle:
        handle.write(out)
    print(
        f"{output}: PostgreSQL {version // 10000}.{version % 10000}, "
        f"{nstates} states, {nrules} rules, {len(rows)} keywords, {len(out)} bytes"
    )


if __name__ == "__main__":
    main()
