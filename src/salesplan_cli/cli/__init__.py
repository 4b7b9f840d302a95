"""The command-line layer: parses options, calls the core, renders, maps outcomes to exit codes."""
