"""`salesplan init` from what a newcomer knows: the company, the reps, and a CRM export or two.

- detect.py: one export profiled with the csv module, streaming (its kind and CRM preset from the header, its
  dialect, the distinct owners, stages, activity types, products and statuses); no pandas.
- people.py: the reps given (`--rep "Name <e-mail>"`, `--reps-from reps.csv`) or found as owners, their ids.
- files.py: the text of the workspace's files, with the values found listed as comments.

Like pam/, this package sits on top of plan and intake and returns values; cli/init.py writes the files.
"""
