"""Whole folders of images: decode and clean them in worker processes ahead of batched inference, one CSV row each."""
