"""The network answering: a .keras model run through LiteRT (converted once, cached by hash), digit predictions."""
