"""Extra subcommands.  Each module here defines NAME, HELP, add_arguments(parser) and
run(args) -> int (the exit status); ``companion`` discovers them at start-up."""
