"""The model of salesplan.yaml's settings that the plan loader and the data layers share, at the bottom of the
house: `data.py` (the data: section: exports, dialects, mapping) and `settings.py` (thresholds:, conversion:).

plan/model.py embeds them in its Settings; intake, reports and demodata read them. Nothing here imports plan
(but its leaf of value types, plan/values.py), intake, reports or the CLI.
"""
