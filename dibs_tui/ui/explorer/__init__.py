"""The explorer's screens: what uses the selection, its FK neighbourhood, the path between two tables and
the schema's health. Each is given the catalog it shows and answers with the place to go (a `Location`),
which the app visits; the work behind each (trees, paths, checks) runs on a thread."""
