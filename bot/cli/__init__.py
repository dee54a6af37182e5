"""The `daoban` command line, one module per subcommand, imported when that subcommand runs."""
