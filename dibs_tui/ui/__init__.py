"""The Textual UI: renders the core's model and sends its work to workers. No SQL is written here."""
