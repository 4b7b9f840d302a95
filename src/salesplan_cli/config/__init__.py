"""The bottom of the house: the model of salesplan.yaml's settings that the plan loader and the data layers share,
and the exact value types of every plan file.

- `values.py`: money amounts, percentages, counts, rates, currency codes (pydantic field types), `money` and
  `round_half_away` (the only rounding, for output);
- `data.py`: the data: section (exports, dialects, mapping, estimate);
- `settings.py`: the thresholds: and conversion: sections.

plan/model.py embeds them in its Settings; intake, reports, pam and demodata read them. Nothing here imports
another package of salesplan_cli: only pydantic and the standard library.
"""
