"""Exit codes, in one place."""

OK = 0  #: clean: no finding (or only warnings without --strict)
FINDINGS = 1  #: findings: errors, warnings under --strict, breached thresholds
USAGE = 2  #: usage, configuration or I/O error: nothing could be checked
INTERNAL = 3  #: a bug in salesplan: a short message and where the full report was saved
INTERRUPTED = 130  #: interrupted (Ctrl-C)
BROKEN_PIPE = 141  #: the reader of stdout went away (`| head`): 128 + SIGPIPE, as the shell reports a killed writer
