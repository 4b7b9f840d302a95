"""The fuzzer's parts, a module per input kind; fuzz/run.py puts them together (see its docstring)."""
