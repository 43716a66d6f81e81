"""The samples window: the user's stored samples per digit, with thumbnails, delete and export."""
