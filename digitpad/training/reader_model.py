"""The number reader: one small Keras model factory, a convolutional network over a line of digits (imports TensorFlow)."""

from __future__ import annotations

import keras
from keras import layers

from digitpad.reading.line import FRAMES, LINE_HEIGHT, LINE_WIDTH, NUMBER_CLASSES
from digitpad.training.model import conv_block


def build_reader(base_filters: int = 16, context_filters: int = 128, dropout_rate: float = 0.2) -> keras.Model:
    """Line image (LINE_HEIGHT, LINE_WIDTH, 1), white ink on black in [0, 1] -> (FRAMES, NUMBER_CLASSES)
    probabilities: one frame per 4 columns, the ten digits and the CTC blank.

    Convolutions shrink the line to one row of frames; two 1-D convolutions then let each frame see about two
    digits on either side, enough to tell where one digit ends and the next begins.
    """
    inputs = keras.Input(shape=(LINE_HEIGHT, LINE_WIDTH, 1), name="line")
    tensor = conv_block(inputs, base_filters, 3, "block1")
    tensor = layers.MaxPooling2D(name="pool1")(tensor)  # 16 x 96
    tensor = conv_block(tensor, base_filters * 2, 3, "block2")
    tensor = layers.MaxPooling2D(name="pool2")(tensor)  # 8 x 48
    tensor = conv_block(tensor, base_filters * 4, 3, "block3a")
    tensor = conv_block(tensor, base_filters * 4, 3, "block3b")
    tensor = layers.MaxPooling2D(pool_size=(2, 1), name="pool3")(tensor)  # 4 x 48
    tensor = conv_block(tensor, base_filters * 6, 3, "block4")
    tensor = conv_block(tensor, context_filters, (LINE_HEIGHT // 8, 1), "collapse", padding="valid")  # 1 x 48
    tensor = layers.Reshape((FRAMES, context_filters), name="frames")(tensor)
    for index in (1, 2):
        tensor = layers.Conv1D(context_filters, 5, padding="same", use_bias=False, name=f"context{index}_conv")(tensor)
        tensor = layers.BatchNormalization(name=f"context{index}_bn")(tensor)
        tensor = layers.ReLU(name=f"context{index}_relu")(tensor)
    tensor = layers.Dropout(dropout_rate, name="dropout")(tensor)
    # float32 even when training in bfloat16, so the softmax and the CTC loss keep their precision.
    outputs = layers.Dense(NUMBER_CLASSES, activation="softmax", dtype="float32", name="frame_probabilities")(tensor)
    return keras.Model(inputs, outputs, name="digitpad_number_reader")
