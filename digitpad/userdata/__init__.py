"""What belongs to the user, in their data folder: handwriting samples and retrained models, each write atomic."""
