"""Image files to clean ink: open any image safely, find its ink on any paper, frame a digit as MNIST did."""
