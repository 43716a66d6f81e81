"""The command line, the program's entry: classify, train, retrain, install-desktop; no command opens the window."""
