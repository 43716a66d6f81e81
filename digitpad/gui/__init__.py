"""The desktop window (Tkinter); importing it never loads TensorFlow."""
