"""Training-time augmentation that makes an MNIST model robust to drawn digits (TensorFlow)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random distortions applied to each training digit."""

    max_rotation_degrees: float = 12.0
    scale_range: tuple[float, float] = (0.85, 1.12)
    max_aspect_change: float = 0.12
    max_shear: float = 0.2
    max_shift_pixels: float = 2.0
    thicken_probability: float = 0.25
    thin_probability: float = 0.15
    keep_original_probability: float = 0.15


def _affine_matrices(batch_size, config: AugmentConfig, image_size: int):
    """Per-image 8-parameter projective transforms (output -> input mapping) about the centre."""
    uniform = lambda low, high: tf.random.uniform([batch_size], low, high)  # noqa: E731
    angle = uniform(-1.0, 1.0) * config.max_rotation_degrees * math.pi / 180.0
    scale = uniform(*config.scale_range)
    aspect = 1.0 + uniform(-config.max_aspect_change, config.max_aspect_change)
    scale_x, scale_y = scale * aspect, scale / aspect
    shear = uniform(-config.max_shear, config.max_shear)
    shift_x = uniform(-config.max_shift_pixels, config.max_shift_pixels)
    shift_y = uniform(-config.max_shift_pixels, config.max_shift_pixels)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map A = R @ Shear @ S; the transform op wants its inverse.
    a00 = cos * scale_x
    a01 = (cos * shear - sin) * scale_y
    a10 = sin * scale_x
    a11 = (sin * shear + cos) * scale_y
    determinant = a00 * a11 - a01 * a10
    i00, i01 = a11 / determinant, -a01 / determinant
    i10, i11 = -a10 / determinant, a00 / determinant
    centre = (image_size - 1) / 2.0
    # input = inv(A) @ (output - centre - shift) + centre
    offset_x = centre - i00 * (centre + shift_x) - i01 * (centre + shift_y)
    offset_y = centre - i10 * (centre + shift_x) - i11 * (centre + shift_y)
    zeros = tf.zeros([batch_size])
    return tf.stack([i00, i01, offset_x, i10, i11, offset_y, zeros, zeros], axis=1)


def _stroke_width(images, config: AugmentConfig):
    """Randomly thicken (grey dilation) or thin (grey erosion) strokes, blended for subtlety."""
    batch_size = tf.shape(images)[0]
    dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
    eroded = -tf.nn.max_pool2d(-images, ksize=2, strides=1, padding="SAME")
    choice = tf.random.uniform([batch_size, 1, 1, 1])
    strength = tf.random.uniform([batch_size, 1, 1, 1], 0.3, 1.0)
    thicken = tf.cast(choice < config.thicken_probability, images.dtype)
    thin = tf.cast(
        (choice >= config.thicken_probability) & (choice < config.thicken_probability + config.thin_probability),
        images.dtype,
    )
    images = images + thicken * strength * (dilated - images)
    images = images + thin * strength * 0.6 * (eroded - images)
    return images


def augment_batch(images, config: AugmentConfig = AugmentConfig()):
    """Distort a batch of (N, 28, 28, 1) float digits; a fraction is left unchanged."""
    batch_size = tf.shape(images)[0]
    image_size = images.shape[1]
    transforms = _affine_matrices(batch_size, config, image_size)
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    warped = _stroke_width(warped, config)
    keep = tf.cast(tf.random.uniform([batch_size, 1, 1, 1]) < config.keep_original_probability, images.dtype)
    return tf.clip_by_value(keep * images + (1.0 - keep) * warped, 0.0, 1.0)
