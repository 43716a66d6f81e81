"""digitpad: a desktop handwriting pad that reads handwritten digits.

The subpackages are layers, lowest first, and a module imports only from its own layer and those below it
(tests/test_layers.py checks it):

    storage    where files live and how they are written safely
    imaging    image files to clean ink, and one digit framed as MNIST did
    reading    ink and pen strokes to digits and numbers
    inference  the network answering (LiteRT; TensorFlow only to convert)
    folders    whole folders: decoding processes ahead of batched inference, CSV rows
    userdata   the user's samples and retrained models
    training   making models (TensorFlow): data from every source, training, retraining
    bundle     the packaged app: icon, splash screen, desktop menu entry
    gui        the window (Tkinter), the only place that imports Tk
    cli        the command line, the program's entry (no command opens the window)

Beside them, the entries: `__main__` (python -m digitpad) and `frozen_entry` (the PyInstaller executable).
"""

APP_NAME = "digitpad"
__version__ = "0.1.0"
