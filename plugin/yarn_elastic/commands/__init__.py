"""One module per `yarn-elastic` subcommand; see `yarn_elastic.cli`."""
