"""Reports: pure functions from plan + canonical frames + period to DataFrames."""
