"""Ink and pen strokes to digits and numbers: group strokes, cut ink into candidate digits, choose the best reading."""
