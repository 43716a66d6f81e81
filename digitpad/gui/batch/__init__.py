"""The batch window: a folder classified in a worker thread, its progress, and a sortable, filterable results table."""
