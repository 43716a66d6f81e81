"""The retrain window: a fine-tune or full retrain in a worker thread, its progress, then Keep or Discard."""
