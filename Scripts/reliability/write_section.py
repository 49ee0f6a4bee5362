#!/usr/bin/env python3
"""Replaces the section between <!-- NAME:begin --> and <!-- NAME:end --> in DOC with the text
on stdin (which must carry both markers), or appends it if the markers are not there yet.

  write_section.py DOC NAME < section.md
"""
import re
import sys

doc, name = sys.argv[1], sys.argv[2]
section = sys.stdin.read().strip("\n")
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
if not (section.startswith(begin) and section.endswith(end)):
    sys.exit(f"write_section.py: the section must start with {begin} and end with {end}")
try:
    text = open(doc).read()
except FileNotFoundError:
    text = "# Reliability\n"
pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text)
