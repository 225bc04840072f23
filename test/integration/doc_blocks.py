# SPDX-License-Identifier: MIT
"""Extracts the fenced blocks of Markdown files for t_doc_blocks.sh.

    doc_blocks.py OUTDIR FILE.md...

Every fence must say what its block is (its info string's first word):
  sh, bash    commands: run, as written, by t_doc_blocks.sh. Words after it:
                continues        runs in the same shell as the file's block before it
                                 (its background jobs, its variables)
                needs=PATH       run only if PATH (from the source tree) exists; else
                                 counted as skipped, naming PATH
                not-run: REASON  not run, counted as skipped with REASON (a VM, the
                                 host's own interfaces, a command that runs the suite)
  anything else (text, c, console, ...): not commands; counted, never run.
An untagged fence is an error: nobody could tell whether it is meant to run.

Writes OUTDIR/N.sh (the script of one group of blocks, run with bash -eE), OUTDIR/N.map
(one "FILE:LINE" per script line, for naming where a command failed), OUTDIR/N.name
("FILE:LINE" of the group's first block) and OUTDIR/N.needs (paths, one a line), and
prints one summary line per block on stdout:
  run FILE:LINE | skip FILE:LINE REASON | other FILE:LINE TAG | untagged FILE:LINE
"""
import os
import sys

# Prepended to every group: a failing command names its script line (mapped back to
# FILE:LINE by the test), then the shell exits (-e; -E carries the trap into subshells).
PROLOGUE = ["trap 'echo \"doc-block-failed-at $LINENO status $?\" >&2' ERR"]


def blocks(path):
    """(line of the opening fence, info string, body lines) for every fenced block."""
    out, body, start, info = [], None, 0, ""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if body is None:
                if line.startswith("```"):
                    body, start, info = [], n, line[3:].strip()
            elif line.startswith("```"):
                out.append((start, info, body))
                body = None
            else:
                body.append(line)
    if body is not None:
        sys.exit("%s:%d: fence never closed" % (path, start))
    return out


def main():
    outdir, files = sys.argv[1], sys.argv[2:]
    groups = []  # [name, [(file, line, text)], needs]
    for path in files:
        last = None  # the group this file's previous run block went into
        for start, info, body in blocks(path):
            where = "%s:%d" % (path, start)
            words = info.split()
            tag = words[0] if words else ""
            if not tag:
                print("untagged %s" % where)
                continue
            if tag not in ("sh", "bash"):
                print("other %s %s" % (where, tag))
                continue
            rest = info[len(tag):].strip()
            if rest.startswith("not-run:"):
                print("skip %s %s" % (where, rest[len("not-run:"):].strip() or "not-run"))
                continue
            needs = [w[len("needs="):] for w in words[1:] if w.startswith("needs=")]
            if "continues" in words[1:] and last is not None:
                group = last
            else:
                group = [where, [], []]
                groups.append(group)
            group[2].extend(needs)
            # the fence line itself maps to nothing; body line i is file line start + i
            for i, text in enumerate(body, 1):
                group[1].append((path, start + i, text))
            last = group
            print("run %s" % where)
    for n, (name, lines, needs) in enumerate(groups, 1):
        base = os.path.join(outdir, str(n))
        with open(base + ".sh", "w") as sh, open(base + ".map", "w") as mp:
            for text in PROLOGUE:
                sh.write(text + "\n")
                mp.write("%s:prologue\n" % name)
            for path, line, text in lines:
                sh.write(text + "\n")
                mp.write("%s:%d\n" % (path, line))
        with open(base + ".name", "w") as f:
            f.write(name + "\n")
        with open(base + ".needs", "w") as f:
            f.write("".join(p + "\n" for p in needs))


main()
