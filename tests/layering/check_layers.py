#!/usr/bin/env python3
"""Checks the layering rules of the README's architecture section against every #include.

Each folder is a library; a source file may include headers of its own folder and of the folders
its row below allows, nothing else. Headers are found by file name (the build puts each library's
folder on the include path), so a file name must be unique across the tree. Folders that must
never use widgets are also checked against Qt's own widget headers (read from the installed
QtWidgets folder, so the list is Qt's, not ours).

usage: check_layers.py SOURCE_ROOT [QT_INCLUDE_ROOT]
"""
import os
import re
import sys

ALLOWED = {
    "imaging": set(),
    "storage": {"imaging"},
    "netclient": {"imaging"},
    "viewer": {"imaging"},
    "app/protocols": {"storage", "imaging"},
    "app/security": {"storage", "imaging"},
    "app/services": {"app/security", "storage", "netclient", "imaging"},
    "app/worklist": {"app/services", "app/security", "storage", "netclient", "imaging"},
    "app/reading": {"app/protocols", "app/services", "app/security", "viewer", "storage", "netclient", "imaging"},
    "app/gui": {"app/reading", "app/protocols", "app/worklist", "app/services", "app/security", "viewer", "storage", "netclient", "imaging"},
    "app/cli": {"app/protocols", "app/worklist", "app/services", "app/security", "viewer", "storage", "netclient", "imaging"},
    "app": {"app/cli", "app/gui"},  # main.cpp only: the composition root
}
NO_WIDGETS = {"imaging", "storage", "netclient", "app/protocols", "app/security", "app/services", "app/worklist"}
NO_QT_GUI = {"imaging", "storage", "netclient", "app/protocols", "app/security"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(root, path):
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    parts = rel.split("/")
    if parts[0] == "app" and len(parts) > 2:
        return "app/" + parts[1]
    return parts[0]


def qt_headers(qt_root, module):
    d = os.path.join(qt_root, module)
    if not os.path.isdir(d):
        sys.exit(f"check_layers: {d} not found (is qt6-base-dev installed?)")
    names = set(os.listdir(d))
    return names | {f"{module}/{n}" for n in names}


def main():
    root = os.path.abspath(sys.argv[1])
    qt_root = sys.argv[2] if len(sys.argv) > 2 else "/usr/include/x86_64-linux-gnu/qt6"
    widgets = qt_headers(qt_root, "QtWidgets") | qt_headers(qt_root, "QtOpenGLWidgets")
    gui = qt_headers(qt_root, "QtGui") | widgets
    sources, owner = [], {}
    problems = []
    for dirpath, _, files in os.walk(root):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        if rel.split("/")[0] not in {"imaging", "storage", "netclient", "viewer", "app"}:
            continue
        for f in files:
            if not f.endswith((".h", ".cpp")):
                continue
            path = os.path.join(dirpath, f)
            sources.append(path)
            if f.endswith(".h"):
                if f in owner:
                    problems.append(f"{f}: two headers of that name ({owner[f]} and {folder_of(root, path)})")
                owner[f] = folder_of(root, path)
    checked = 0
    for path in sorted(sources):
        here = folder_of(root, path)
        if here not in ALLOWED:
            problems.append(f"{os.path.relpath(path, root)}: folder {here} has no layering rule")
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                checked += 1
                name = m.group(2)
                where = f"{os.path.relpath(path, root)}:{n}"
                if m.group(1) == '"':
                    base = os.path.basename(name)
                    target = owner.get(base)
                    if target is None or target == here:
                        continue  # generated (version.h, moc) or our own folder
                    if target not in ALLOWED[here]:
                        problems.append(f"{where}: {here} may not include {name} ({target})")
                else:
                    if here in NO_WIDGETS and name in widgets:
                        problems.append(f"{where}: {here} may not use widgets (<{name}>)")
                    elif here in NO_QT_GUI and name in gui:
                        problems.append(f"{where}: {here} may not use Qt GUI (<{name}>)")
    for p in problems:
        print(p)
    print(f"check_layers: {len(sources)} files, {checked} includes, {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
