#!/usr/bin/env python3
"""Index of the UNTC "Declarations and Reservations" sections scraped by zmjones/untreaties.

Usage: python3 data/scripts/extract_untc_declarations.py GIT_DIR_OF_zmjones_untreaties

Writes data/scripts/untc_2015_declarations_index.csv: one row per participant heading
(`#Name`) of each `declarations/4-*.txt` file of the 18 core instruments, with the length
of the text under it, the file's commit and that commit's date. build_refdata.py reads
this index for the reservations/declarations flag of data/treaties/ratifications.csv.
Standard library only.
"""

import csv
import io
import os
import subprocess
import sys

MTDSG = "2 3 3-a 4 5 12 8 8-b 9 9-b 11 11-b 11-c 11-d 13 15 15-a 16".split()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "untc_2015_declarations_index.csv")


def main():
    gitdir = sys.argv[1]

    def git(*args):
        return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True,
                              text=True, check=True).stdout

    rows = []
    for n in MTDSG:
        path = f"declarations/4-{n}.txt"
        commit, day = git("log", "-1", "--format=%h %cs", "HEAD", "--", path).split()
        headings, body, current = [], {}, None
        for line in git("show", f"HEAD:{path}").splitlines():
            if line.startswith("#"):
                current = line[1:].strip()
                headings.append(current)
                body.setdefault(current, "")
            elif current is not None:
                body[current] += line.strip()
        for name in headings:
            rows.append({"mtdsg_no": f"IV-{n}", "participant_name_in_untc": name,
                         "text_chars": len(body[name]),
                         "source": f"github.com/zmjones/untreaties@{commit}:{path}", "as_of": day})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())
    print(f"{len(rows)} headings written to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
