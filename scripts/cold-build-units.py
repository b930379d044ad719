#!/usr/bin/env python3
"""The figures of scripts/bench-cold-build.sh from its two builds.

    cold-build-units.py MIGRATE_DIR SQLX_DIR WALL_MIGRATE WALL_SQLX

Each directory holds what one `cargo build -v --timings --message-format=json`
left: `timings.html`, the report, which embeds its units as JSON
(`const UNIT_DATA = [...]`: package, version, mode, target, start and
duration in seconds, the units each one's end unblocked); `messages.json`,
Cargo's messages on stdout (each unit's files, in the order units
finished); `verbose.log`, its stderr (each rustc command); `metadata.json`,
the crate's `cargo metadata`.

A unit is the macro machinery's when it is compiled for the host: a
proc-macro crate, a build script, and every crate they link (the rustc
commands' `--extern`). A package both sides use is compiled twice when the
two differ (profile, features, or a dependency that differs), and the report
does not say which of its units is which: the messages do, through the
files each unit made. A build script of a package only the target uses
counts as the target's, as does the crate's own (migrate_build's fold of
its migrations, its own crate's cost).
"""

import json
import re
import sys


def units(html_path):
    with open(html_path, encoding="utf-8") as report:
        text = report.read()
    match = re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S)
    if match is None:
        sys.exit(f"no UNIT_DATA in {html_path}: has Cargo's report changed?")
    return json.loads(match.group(1))


def host_packages(metadata_path):
    """Names and versions of the packages built for the host, and of those
    built for the target."""
    with open(metadata_path, encoding="utf-8") as file:
        metadata = json.load(file)
    packages = {package["id"]: package for package in metadata["packages"]}
    nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
    root = metadata["resolve"]["root"]

    def is_proc_macro(package_id):
        return any("proc-macro" in target["kind"] for target in packages[package_id]["targets"])

    def edges(package_id):
        """(dependency, built for the host) for each dependency that is built."""
        for dep in nodes[package_id]["deps"]:
            kinds = {kind["kind"] for kind in dep["dep_kinds"]}
            if kinds <= {"dev"}:
                continue
            if None in kinds:
                yield dep["pkg"], is_proc_macro(dep["pkg"])
            if "build" in kinds:
                yield dep["pkg"], True

    host, target = set(), set()
    todo = [(root, False)]
    while todo:
        package_id, for_host = todo.pop()
        seen = host if for_host else target
        if package_id in seen:
            continue
        seen.add(package_id)
        for dep, dep_for_host in edges(package_id):
            todo.append((dep, for_host or dep_for_host))

    def named(ids):
        return {(packages[i]["name"], packages[i]["version"]) for i in ids}

    return named(host), named(target)


def host_hashes(verbose_path):
    """The hashes (`-C extra-filename`) of the crates compiled for the host:
    proc-macro crates, build scripts, and every crate they name with
    `--extern`, from the rustc commands `cargo build -v` printed."""
    commands = {}
    roots = []
    with open(verbose_path, encoding="utf-8") as log:
        for line in log:
            if "Running `" not in line or "--crate-name " not in line:
                continue
            own = re.search(r"-C extra-filename=-?([0-9a-f]+)", line)
            if own is None:
                continue
            externs = re.findall(r"--extern [^=\s]+=\S*?-([0-9a-f]+)\.(?:rlib|rmeta|so)\b", line)
            commands[own.group(1)] = externs
            if "--crate-type proc-macro" in line or "--crate-name build_script_" in line:
                roots.append(own.group(1))
    host = set()
    while roots:
        crate = roots.pop()
        if crate not in host:
            host.add(crate)
            roots.extend(commands.get(crate, []))
    return host


def artifacts(messages_path, host):
    """For each package, whether each of its library units was built for
    the host, in the order they finished."""
    finished = {}
    with open(messages_path, encoding="utf-8") as messages:
        for line in messages:
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            if message.get("reason") != "compiler-artifact" or message["target"]["kind"] == ["custom-build"]:
                continue
            # `registry+...#serde@1.0.229`, or `path+file:///.../name#0.1.0`
            # when the directory is named after the package.
            source, _, name_version = message["package_id"].rpartition("#")
            name, _, version = name_version.rpartition("@")
            if not name:
                name, version = source.rstrip("/").rsplit("/", 1)[-1], name_version
            hashes = {
                match.group(1)
                for file in message["filenames"]
                for match in [re.search(r"-([0-9a-f]+)\.(?:rlib|rmeta|so)$", file)]
                if match
            }
            finished.setdefault((name, version), []).append(bool(hashes & host))
    return finished


def machinery(directory):
    """The units of the host, the units of the target, and those the report
    leaves undecided."""
    data = units(f"{directory}/timings.html")
    host, target = host_packages(f"{directory}/metadata.json")
    finished = artifacts(f"{directory}/messages.json", host_hashes(f"{directory}/verbose.log"))
    side = {}
    groups = {}
    for unit in data:
        groups.setdefault((unit["name"], unit["version"], unit["target"], unit["mode"]), []).append(unit)
    for (name, version, target_name, mode), group in groups.items():
        package = (name, version)
        if mode == "todo" and target_name == "" and len(finished.get(package, [])) == len(group):
            # Cargo's messages come in the order the units finished.
            group = sorted(group, key=lambda unit: unit["start"] + unit["duration"])
            decided = ["host" if for_host else "target" for for_host in finished[package]]
        elif package in host and package not in target:
            decided = ["host"] * len(group)
        elif package in target and package not in host:
            decided = ["target"] * len(group)
        else:
            continue
        for unit, which in zip(group, decided):
            side[unit["i"]] = which
    # A build script's compiling and running are on the side of what they
    # unblock.
    changed = True
    while changed:
        changed = False
        for unit in data:
            if unit["i"] in side:
                continue
            unblocked = unit.get("unblocked_units", []) + unit.get("unblocked_rmeta_units", [])
            sides = {side.get(other) for other in unblocked} - {None}
            if len(sides) == 1:
                side[unit["i"]] = sides.pop()
                changed = True
    grouped = {"host": [], "target": [], "undecided": []}
    for unit in data:
        grouped[side.get(unit["i"], "undecided")].append(unit)
    return grouped


def total(unit_list):
    return sum(unit["duration"] for unit in unit_list)


def main():
    (migrate_dir, sqlx_dir, wall_migrate, wall_sqlx) = sys.argv[1:5]
    builds = {
        name: (
            machinery(directory),
            float(wall),
        )
        for name, directory, wall in [("migrate", migrate_dir, wall_migrate), ("sqlx", sqlx_dir, wall_sqlx)]
    }
    for name, (grouped, wall) in builds.items():
        host = grouped["host"]
        print(f"== {name}: the machinery's units, slowest first (seconds)")
        for unit in sorted(host, key=lambda unit: -unit["duration"])[:12]:
            label = f"{unit['name']} {unit['version']}{unit['target']}"
            print(f"  {unit['duration']:8.1f}  {label}")
        print(f"  {total(host):8.1f}  all {len(host)} units")
        print(f"  {total(grouped['target']):8.1f}  the other {len(grouped['target'])} units (for the target)")
        if grouped["undecided"]:
            names = ", ".join(f"{unit['name']}{unit['target']}" for unit in grouped["undecided"])
            print(f"  {total(grouped['undecided']):8.1f}  undecided, counted in neither: {names}")
    (migrate, migrate_wall), (sqlx, sqlx_wall) = builds["migrate"], builds["sqlx"]
    print()
    print("== clean build, migrate against sqlx 0.8 (goal: at most 1x)")
    print(f"  wall time:      {migrate_wall:8.1f} s against {sqlx_wall:8.1f} s   {migrate_wall / sqlx_wall:5.2f}x")
    print(f"  sum of units:   {total(sum(migrate.values(), [])):8.1f} s against {total(sum(sqlx.values(), [])):8.1f} s   "
          f"{total(sum(migrate.values(), [])) / total(sum(sqlx.values(), [])):5.2f}x")
    print("== the macro machinery, sum of unit times (goal: at most 2x)")
    print(f"  machinery:      {total(migrate['host']):8.1f} s against {total(sqlx['host']):8.1f} s   "
          f"{total(migrate['host']) / total(sqlx['host']):5.2f}x")


if __name__ == "__main__":
    main()
