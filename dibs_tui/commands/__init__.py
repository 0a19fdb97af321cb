"""One module per CLI command, each with `run(args, settings) -> exit code`: glue between CLI, core and UI."""
