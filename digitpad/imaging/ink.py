"""Find the ink in any image: greyscale conversion, polarity, uneven paper, noise and specks (pure functions)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.imaging.histogram import BINS, Histograms

# Images larger than this (longer side) are reduced first; strokes survive thanks to a max/mean blend. Files
# are decoded no bigger than this already (decode.open_for_reading: block means, a JPEG scaled while decoded).
WORKING_SIZE = 512
# A digit ends in a 20 px box, so a bigger image is first cleaned at most DRAFT_SIZE on its longer side, and that
# draft is kept when its ink is at least MIN_INK_HEIGHT pixels tall (twice the box) on plain paper: paper whose grey
# spread, relative to the ink's contrast, is below PLAIN_PAPER_SPREAD (measured on drafts: clean exports, scans and
# photos 0.01-0.04; ruled or squared paper 0.06-0.09, whose faint lines a draft breaks into dashes that no longer
# look like lines). Smaller writing is cleaned again, reduced only as far as keeps it that tall; printed lines at
# WORKING_SIZE. Cleaning costs by the pixel: a 280 px drawing is cleaned at 140 px, in half the time. (2,000 MNIST
# validation digits drawn at 280 px: 14 read wrong, as at full size; a 128 px draft with 28 px of ink: 10, but the
# inputs drift further from those of the full-size digits, see test_preprocess.py.)
DRAFT_SIZE = 140
MIN_INK_HEIGHT = 40
PLAIN_PAPER_SPREAD = 0.05
# Paper unevenness is only estimated on images at least this big (small ones are clean exports).
FLATTEN_MIN_SIZE = 64
FLATTEN_THUMBNAIL_SIZE = 64
# A phone photo of a sheet of paper lying on a table shows the table around the sheet; a scan, the dark lid around the
# page; a screenshot of a paint program, its window around the canvas. Taken for ink, it shrinks the digit to a speck
# in a big dark frame (bench_paper.py --validation: 5.5-13% of such photos read right). What lies around the page is
# the darker grey class of a picture at least SURROUNDINGS_MIN_SIZE on its shorter side (crops of cells and lines of a
# form are smaller: their printed lines stay the business of the line erasers) where it is connected to the picture's
# edge, owns at least SURROUNDINGS_BORDER of the edge and two of its corners, is solid (SURROUNDINGS_SOLID of it keeps
# after thinning by a sample pixel; strokes do not) and ends in a step up to the page: a sample pixel inside its rim
# is at least SURROUNDINGS_STEP of the way from its median grey to the page's darker than the page a pixel beyond it
# (a camera's dark corners fade into the page). Where it covers SURROUNDINGS_MAX_SHARE of the picture or more, the
# page must be plainly one (a card on a desk): the largest light piece clear of the edge fills SURROUNDINGS_PAGE_FILL
# of its box and has dark ink on it (light ink on dark paper does neither). It is painted the page's grey,
# SURROUNDINGS_RIM sample pixels beyond its edge too (the sheet's shadowed rim), and looked for again, up to
# SURROUNDINGS_LAYERS times (a window's title bar, then the grey work area around its canvas). Chosen on the
# validation digits: sheets on tables and cards on desks (bench_paper.py --validation --only pages) 5.5-13% -> 100%;
# without the step, dark corners 100 -> 59.5%; without the size, form cells lost 0.5-1.5 points; every other figure of
# bench_paper.py --validation the same.
SURROUNDINGS_MIN_SIZE = 160
# A sheet that fills the frame but lies a little askew shows the table only in slivers along the picture's edges,
# too thin to count as solid above: each a dark wedge between an edge and the sheet's straight edge, running along at
# least SLIVER_MIN_RUN of that edge, never deeper than SLIVER_MAX_DEPTH of the picture's other side, its inner edge a
# straight line (nine in ten of its pixels within SLIVER_STRAIGHT of the line fitted to it). Ink touching an edge is
# seldom straight or that long. Such slivers are painted the page's grey like other surroundings.
SLIVER_MIN_RUN = 0.05
SLIVER_MAX_DEPTH = 0.12
SLIVER_STRAIGHT = 1.5
SLIVER_FINER = 3  # (slivers are looked for at this many times the sample's resolution)
# Where the paper is lit unevenly, a sliver is what is darker than this share of the paper's smooth light there.
SLIVER_RELIT = 0.6
PAPER_BESIDE = 5  # sample pixels: what lies around a page is painted the brightest grey this far beside it
SURROUNDINGS_BORDER = 0.3
SURROUNDINGS_MAX_SHARE = 0.5
SURROUNDINGS_PAGE_FILL = 0.85
SURROUNDINGS_SOLID = 0.5
SURROUNDINGS_STEP = 0.6
SURROUNDINGS_RIM = 2
SURROUNDINGS_LAYERS = 2
# A shadow across a page (a phone's or a hand's) is a step in the paper's brightness that no smooth surface fits
# (LIGHT_BLOCKS): taken for ink, it swallows the digit, or the lit part of the page is taken for light ink. Where no
# smooth surface shows dark ink on the page and the darker grey class holds at least SHADOW_MIN_SHARE of the picture,
# the paper's brightness is the picture's grey closing (the brightest grey around each pixel, then the darkest of
# those) over SHADOW_WINDOW of its shorter side, at SHADOW_FINER times the sample's resolution: it keeps a shadow's
# edge, sharp or soft, and fills in strokes narrower than the window. Where that brightness falls SHADOW_DEPTH or more
# below the page's brightest over SHADOW_MIN_SHARE of the picture (a heavy digit's thickest blobs cover less), the
# picture divided by it is even paper (SHADOW_EVEN of it at least SHADOW_PAPER as
# bright as the paper) with ink on it (darker than SHADOW_INK of the paper), and the darkest of that brightness is
# SHADOW_INK_STEP or more brighter than the darkest ink (else strokes wider than the window, a heavy digit, made it),
# the picture is read so divided (the ink in the shadow keeps its contrast with the paper there). A shadow is not taken for a table around the
# page either: writing shows inside it (SHADOW_INK_PIXELS sample pixels darker than its median grey by
# SHADOW_INK_STEP; a table's grain stays within a few hundredths).
SHADOW_MIN_SHARE = 0.1
SHADOW_WINDOW = 0.15
SHADOW_FINER = 2
SHADOW_DEPTH = 0.2
SHADOW_EVEN = 0.7
SHADOW_PAPER = 0.85
SHADOW_INK = 0.6
SHADOW_INK_STEP = 0.2
SHADOW_INK_PIXELS = 3
# Paper whose estimated brightness varies less than this is treated as uniform; so is paper whose greys (the larger
# of the image's two grey classes) span less than this from their 5th to their 95th percentile, without estimating
# its brightness at all (a clean export, a scan: measured 0 and 0.03; photos of paper lit unevenly 0.06-0.18).
UNEVEN_PAPER_RANGE = 0.04
# Below this share of the pixels, a grey class is certainly ink rather than paper.
POLARITY_CLEAR_MAJORITY = 0.35
# Paper lit unevenly (a lamp to one side, a phone camera's dark corners) is told by its brightness: a quadratic
# surface fitted to the median grey of LIGHT_BLOCKS x LIGHT_BLOCKS blocks of a thumbnail explains at least
# LIGHT_EXPLAINED of them within LIGHT_FIT_STEP (ink covering blocks is not smooth) and varies by at least
# UNEVEN_LIGHT_RANGE. There ink is what stands out from that surface by UNEVEN_LIGHT_INK_STEP, darker or lighter,
# not the smaller of two grey classes (those are the paper's darker and lighter parts).
LIGHT_BLOCKS = 8
LIGHT_FITS = 3
LIGHT_FIT_STEP = 0.04
LIGHT_EXPLAINED = 0.8
UNEVEN_LIGHT_RANGE = 0.15
UNEVEN_LIGHT_INK_STEP = 0.06
# Ink must stand out from paper by at least this much (0..1 grey levels) to count as a digit.
MIN_CONTRAST = 0.12
# The digit's longer side must span at least this many pixels and this share of the image, and in a picture of a
# page (at least FLATTEN_MIN_SIZE) its largest piece of ink at least MIN_PIECE_FRACTION of it: specks of dust
# scattered over a blank page span much of it together, each a speck (pages with 2-8 specks of 2-8 px read as a
# confident 1 in 27 of 50 A4 scans).
MIN_DIGIT_PIXELS = 3
MIN_DIGIT_FRACTION = 0.03
MIN_PIECE_FRACTION = 0.025
# A digit written at an everyday size on a whole page, scanned or photographed, is 1-3% of the picture's height: at
# WORKING_SIZE a few pixels, below MIN_DIGIT_FRACTION and too few to read. Where a picture decoded smaller than its
# file shows no digit, ink whose largest piece spans at least SMALL_WRITING_SHARE of its longer side (specks of dust
# are smaller) is looked at again in the file at full detail (folders.decode.closer_look), together with the pieces
# less than SMALL_WRITING_GAP times its longer side from it or from each other (the other digits of a number), cropped
# SMALL_WRITING_MARGIN times its longer side beyond them on every side.
SMALL_WRITING_SHARE = 0.01
SMALL_WRITING_GAP = 0.75
SMALL_WRITING_MARGIN = 1.0
# A digit under TINY_INK_PIXELS across that fills a picture under twice that size (a dataset's 8x8 digits, as
# scikit-learn's load_digits stores UCI's optdigits; MNIST shrunk to a thumbnail) is drawn mostly in part-covered
# pixels: its contrast is taken to its darkest pixels (TINY_INK_TOP, a percentile of the ink's side) rather than to
# the middle of its ink, and none of it is taken for the paper's grain, so a half-covered pixel stays half ink.
TINY_INK_PIXELS = 10
TINY_INK_TOP = 99.9
# The depths, in bits, that pictures of more than 8 bits are told apart by (see _white_level).
CONTAINER_BITS = (8, 10, 12, 14, 16)
# Soft ink above this joins connected pieces (low, so faint anti-aliased thin lines stay whole).
COMPONENT_THRESHOLD = 0.25
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
# The same within each image of a stack (N, H, W), never across images.
_STACKED_EIGHT_CONNECTED = np.stack([np.zeros((3, 3), dtype=bool), EIGHT_CONNECTED, np.zeros((3, 3), dtype=bool)])
# Connected pieces of ink smaller than this share of the largest piece are specks, except pen dots: at least
# DOT_FRACTION of the largest piece and at least DOT_SHARE of a square as wide as its strokes (a full stop written
# with the digits' pen is about 3% of a digit's ink and must stay, see reading.marks; dust is smaller than the pen).
SPECK_FRACTION = 0.04
DOT_FRACTION = 0.015
DOT_SHARE = 0.5
DOT_FILL = 0.6
# A piece of ink spanning this share of the image's width (height) and on average thinner than this share of
# its height (width) is a line printed on the paper: a notebook's ruled lines and margin, a grid.
RULE_SPAN = 0.9
RULE_THICKNESS = 0.03
# ... but never thinner than this many pixels: a line one pixel thick straddles two rows when not square to them.
RULE_MIN_THICKNESS = 2.0
# Through the writing, a line shows as rows (columns) with ink across this share of the image (a faint
# line loses pixels to the noise threshold); two or more such thin parallel bands are ruling.
RULE_COVERAGE = 0.6
# Lines are looked for at these slopes (rise per pixel along), flattest first: photos are rarely square to
# the paper (0.05 is about 3 degrees).
RULE_SLOPE_STEP = 0.005
RULE_SLOPES = np.array(sorted(np.arange(-10, 11) * RULE_SLOPE_STEP, key=abs))
# A single printed line (the line a number is written on) is erased in pictures at least this many times as
# long as they are across; in squarer ones only where it runs past all the other ink at both ends by at least
# UNDERLINE_OVERHANG of the picture's height (a digit's bar or base ends where another stroke meets it).
UNDERLINE_ASPECT = 2.0
UNDERLINE_OVERHANG = 0.05
# Only images at least this long are searched for lines along them, and at least RULE_MIN_ACROSS across them (in
# smaller ones a stroke edge can look like one); a line of writing reduced to the working size can be that thin.
RULE_MIN_SIZE = 64
RULE_MIN_ACROSS = 24
# Opaque pixels of which fewer than ONE_COLOUR_SHARE differ from their median grey by more than ONE_COLOUR_SPREAD
# are strokes of one ink on a transparent canvas, not a picture (paper and ink) with transparent margins.
ONE_COLOUR_SPREAD = 0.3
ONE_COLOUR_SHARE = 0.01
# A digit cropped from a form keeps pieces of its cell's printed box along the picture's edges: a piece lying
# wholly within EDGE_BAND of the edges (of the picture's shorter side, and at least EDGE_MIN_BAND pixels) and running
# along RULE_SPAN of one of them is such a line when
# - it is thinner than EDGE_THINNER times the writing's strokes (the picture's largest other piece; a writer's
#   separate bar along the edge of a tight crop is as thick as the rest of the digit);
# - or it runs along two edges, lines joined at a corner, however thick;
# - or it is one of two or more such pieces with writing besides them (the top and bottom rules of a table's row),
#   and reaches past all the writing at both ends, by EDGE_REACH of the writing's extent that way (ruler-straight 1s
#   at both ends of a number cropped tight, "1231", do not).
# (bench_paper.py --validation --only cells, 400 digits each, read as one digit: thin lines joined at a corner 93.8 ->
# 96.8%; a table's dark, thick rules above and below 79.5 -> 96.0%, with ink told from paper as below.)
EDGE_BAND = 0.12
EDGE_MIN_BAND = 4
EDGE_THINNER = 0.6
EDGE_REACH = 0.1
# Telling ink from paper when the two grey classes are close in size (a big, thick digit in a small crop), the class
# that owns most of the picture's border is paper; but the printed box of a form's cell lies along the border, dark,
# and a table's thick rules make the dark class the larger. So a picture's box is left out of both counts: lines
# within EDGE_LINE_BAND of an edge at least RULE_SPAN dark (and the paper outside them), where a line inside them
# within the band is at least EDGE_LINE_PAPER light (the paper inside the box; the top of a light digit on dark
# paper cropped tight is less than that), in pictures at least RULE_MIN_ACROSS across (the dark paper beside a light
# 1 cropped tight is no line). (The band is wider than EDGE_BAND: a box's lines need not be thinner than the writing
# here, and a wider band for erasing pieces erased the end 1s of tight crops: bench_paper.py --validation --only
# lines, numbers cropped tight, 95.0 -> 93.0%.) Chosen on bench_paper.py --validation: form cells with a thin box,
# read as one digit, 94.0 -> 98.0% (three sides 96.8 -> 97.2%); every figure with a thick, dark box went up (with the
# erasers: 67.2 -> 99.5%); 3,000 MNIST validation digits cropped tight, light on dark and dark on light, at 1 and 3
# times their size: 56 told wrongly before and after; every other figure the same.
EDGE_LINE_BAND = 0.2
EDGE_LINE_PAPER = 0.5
# Soft ink within this many pixels (a 5x5 square) of a kept piece is its anti-aliased rim.
RIM_RADIUS = 2
# Writing showing through from the other side of the page (old ledgers, thin paper), a stain: a layer of faint ink
# under the writing, told apart by splitting again the greys that stand out from the paper's grain (by FAINT_GRAIN
# times its spread), on whichever side of the ink's split it falls. It is taken away (what is not darker than the
# writing becomes paper) where
# - the writing stands out from the paper at least FAINT_RATIO times as far as the layer does;
# - few greys lie between the two (fewer than FAINT_VALLEY of the layer's pixels in the middle third between their
#   medians: no anti-aliased or blurred rim, no light strokes of the writing itself);
# - the layer lies away from the writing (at least FAINT_FAR_SHARE as many of its pixels as the writing has, more
#   than RIM_RADIUS from it);
# - the layer is blurred: its greys spread (between its quartiles) over at least FAINT_BLUR of its median (a stroke drawn
#   in a light colour in a drawing app is one flat grey, and is writing);
# - the layer's strokes are at least FAINT_WIDTH pixels wide (a hairline, a thin font's stem, drawn across two rows
#   or columns of pixels comes out as a light line two pixels wide, and is writing);
# - the writing does not span FAINT_SPAN of the picture (a printed line or box, darker than a pencil digit inside it,
#   is no writing).
# Rows and columns at least FAINT_LINE covered by the layer (printed form lines, erased as such) do not count. Pictures
# smaller than FAINT_MIN_SIZE (an MNIST digit) are not searched: there a light stroke is a thin one.
FAINT_GRAIN = 4.0
FAINT_RATIO = 1.8
FAINT_BLUR = 0.25
FAINT_WIDTH = 2.25
FAINT_MIN_SIZE = 40
FAINT_VALLEY = 0.25
FAINT_FAR_SHARE = 0.1
FAINT_SPAN = 0.9
FAINT_LINE = 0.4
# A dim, noisy photo: where the paper's grain (its spread) is at least NOISY_GRAIN of the ink's contrast, the paper
# is cleaned again after a NOISY_SMOOTHING x NOISY_SMOOTHING mean, or its noise would hide the strokes; if the mean
# leaves at most NOISY_CALMER of the grain (noise, unlike a printed pattern of fine lines, goes with it). A picture
# narrower than NOISY_MIN_SIZE is never smoothed: there the "grain" is the soft edges of a stroke filling it (a 1
# cropped tight at its ink), which the mean would blur into an outline or away.
NOISY_GRAIN = 0.2
NOISY_SMOOTHING = 3
NOISY_MIN_SIZE = 8
NOISY_CALMER = 0.6


class NoDigitError(ValueError):
    """The image holds no ink that could be a digit."""

    def __init__(self, message: str = "no digit found"):
        super().__init__(message)


def _composite_alpha(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Flatten transparency: transparent pixels become paper, whatever colour the ink is."""
    if alpha.min() > 0.98:
        return grey
    opaque = alpha > 0.5
    if not opaque.any():
        return np.ones_like(grey)
    opaque_grey = grey[opaque]
    middle = float(np.median(opaque_grey))
    one_colour = float(np.mean(np.abs(opaque_grey - middle) > ONE_COLOUR_SPREAD)) < ONE_COLOUR_SHARE
    if opaque.mean() < 0.5 or one_colour:
        # Strokes on a transparent canvas: paper must contrast with them.
        paper = 1.0 if middle < 0.5 else 0.0
        if opaque.mean() >= 0.5:
            # Strokes so heavy that they cover most of the canvas (then its opaque pixels are all one colour,
            # the ink's): the canvas goes on as paper around them, so that paper stays the majority that tells
            # ink from paper.
            side = max(grey.shape) // 2
            return np.pad(alpha * grey + (1.0 - alpha) * paper, side, constant_values=paper).astype(np.float32)
    else:
        # A picture with transparent margins: paper is the picture's dominant grey.
        paper = float(np.median(grey[opaque]))
    return alpha * grey + (1.0 - alpha) * paper


def _white_level(high: float) -> float:
    """The white of a picture of more than 8 bits whose brightest value is `high`: that of the fewest bits
    (CONTAINER_BITS) that hold it. A camera's or scanner's 10-, 12- or 14-bit values saved in a 16-bit file, or 8-bit
    values in one, fill only part of its range: divided by 65535 they were a dark picture with too little contrast to
    hold a digit."""
    for bits in CONTAINER_BITS:
        if high <= 2 ** bits - 1:
            return float(2 ** bits - 1)
    return float(2 ** CONTAINER_BITS[-1] - 1)


def _pil_to_grey(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        values = np.asarray(image, dtype=np.float32)
        return values / np.float32(_white_level(float(values.max())))
    if mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        top = _white_level(high) if high > 1 else 1.0  # 8 to 16 bits, or 0..1 (float scans, masks)
        return (values / top if low >= 0 and high <= top else (values - low) / max(high - low, 1e-9)).astype(np.float32)
    if mode == "L":
        return np.asarray(image, dtype=np.float32) * np.float32(1 / 255)
    if mode == "1":
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    has_alpha = mode in ("LA", "La", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return _composite_alpha(grey, rgba[..., 3])
    return np.asarray(image.convert("RGB").convert("L"), dtype=np.float32) / 255.0


def to_grey(image) -> np.ndarray:
    """A PIL image (any mode) or an array (H,W), (H,W,1..4), bool/uint8/uint16/float -> float32 grey in [0, 1]."""
    if isinstance(image, Image.Image):
        return _pil_to_grey(image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.dtype == np.bool_:
        values = array.astype(np.float32)
    elif array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / np.float32(_white_level(float(array.max(initial=0))))
    else:
        values = array.astype(np.float32)
        if values.size and (values.max() > 1.0 or values.min() < 0.0):
            low, high = float(values.min()), float(values.max())
            values = (values - low) / max(high - low, 1e-9)
    if values.ndim == 2:
        return values
    if values.ndim == 3 and values.shape[2] in (2, 3, 4):
        channels = values.shape[2]
        colour = values[..., :1] if channels == 2 else values[..., :3]
        grey = colour[..., 0] if channels == 2 else colour @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        if channels in (2, 4):
            return _composite_alpha(grey, values[..., -1])
        return grey
    raise ValueError(f"unsupported image array shape {array.shape}")


def _block_sums(values: np.ndarray, factor: int, peaks: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Sums of the whole factor x factor blocks of a stack (N, H, W), as float32 (and their maxima with `peaks`).

    Columns first, then rows, each as `factor` strided slices: numpy is slow along short block axes.
    """
    count, height, width = values.shape
    values = values[:, :height - height % factor, :width - width % factor]
    sums = values[:, :, ::factor].astype(np.float32)
    highest = sums.copy() if peaks else None
    for offset in range(1, factor):
        sums += values[:, :, offset::factor]
        if peaks:
            np.maximum(highest, values[:, :, offset::factor], out=highest)
    block_sums = sums[:, ::factor].copy()
    block_peaks = highest[:, ::factor].copy() if peaks else None
    for offset in range(1, factor):
        block_sums += sums[:, offset::factor]
        if peaks:
            np.maximum(block_peaks, highest[:, offset::factor], out=block_peaks)
    return (block_sums, block_peaks) if peaks else block_sums


def _reduce(values: np.ndarray, factor: int) -> np.ndarray:
    """Shrink a stack (N, H, W) by an integer factor, blending block mean and block max so thin strokes survive."""
    sums, peaks = _block_sums(values, factor, peaks=True)
    sums *= np.float32(0.5 / factor ** 2)
    peaks *= np.float32(0.5)
    return sums + peaks


def _thumbnail(image: np.ndarray) -> np.ndarray:
    """Block means of one image, about FLATTEN_THUMBNAIL_SIZE on its longer side: what paper is judged on."""
    factor = max(1, max(image.shape) // FLATTEN_THUMBNAIL_SIZE)
    return _block_sums(image[np.newaxis], factor)[0] * np.float32(1 / factor ** 2)


def _block_levels(thumbnail: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The median grey of each of LIGHT_BLOCKS x LIGHT_BLOCKS blocks of a thumbnail, with the blocks' centres
    (row, column as shares of the thumbnail's sides); None for a thumbnail too small to cut so."""
    rows, columns = (side // LIGHT_BLOCKS for side in thumbnail.shape)
    if min(rows, columns) < 2:
        return None
    blocks = thumbnail[:rows * LIGHT_BLOCKS, :columns * LIGHT_BLOCKS].reshape(LIGHT_BLOCKS, rows, LIGHT_BLOCKS, columns)
    levels = np.median(blocks.swapaxes(1, 2).reshape(LIGHT_BLOCKS, LIGHT_BLOCKS, -1), axis=2).ravel()
    centres = (np.arange(LIGHT_BLOCKS) + 0.5) / LIGHT_BLOCKS
    block_rows, block_columns = np.meshgrid(centres * rows * LIGHT_BLOCKS / thumbnail.shape[0],
                                            centres * columns * LIGHT_BLOCKS / thumbnail.shape[1], indexing="ij")
    return levels, block_rows.ravel(), block_columns.ravel()


def _quadratic_terms(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    rows, columns = rows - 0.5, columns - 0.5
    return np.stack([np.ones_like(rows), rows, columns, rows * rows, rows * columns, columns * columns], axis=-1)


def _light_surface(thumbnail: np.ndarray, ink_sign: int) -> np.ndarray | None:
    """How the paper's brightness varies over a thumbnail, where it varies by UNEVEN_LIGHT_RANGE or more: a
    quadratic surface fitted to its block levels (see _block_levels), refitted without the blocks that stand out
    from the last fit in ink's direction (`ink_sign` +1 bright, -1 dark, 0 either) by more than LIGHT_FIT_STEP.
    None where the surface explains less than LIGHT_EXPLAINED of the blocks, varies less, or the thumbnail is
    too small."""
    found = _block_levels(thumbnail)
    if found is None:
        return None
    levels, block_rows, block_columns = found
    if float(levels.max() - levels.min()) < UNEVEN_LIGHT_RANGE:
        return None
    terms = _quadratic_terms(block_rows, block_columns)
    paper = np.ones(len(levels), dtype=bool)
    for _ in range(LIGHT_FITS):
        coefficients = np.linalg.lstsq(terms[paper], levels[paper], rcond=None)[0]
        fitted = terms @ coefficients
        residual = levels - fitted
        paper = (residual * ink_sign if ink_sign else np.abs(residual)) <= LIGHT_FIT_STEP
        if paper.mean() < LIGHT_EXPLAINED:
            return None
    if float(fitted.max() - fitted.min()) < UNEVEN_LIGHT_RANGE:
        return None
    height, width = thumbnail.shape
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    surface = _quadratic_terms((rows + 0.5) / height, (columns + 0.5) / width) @ coefficients.astype(np.float32)
    return surface.astype(np.float32)


def _ink_is_dark_on_uneven_paper(grey: np.ndarray) -> bool | None:
    """For paper lit unevenly (see UNEVEN_LIGHT_RANGE): whether the ink is darker than the paper around it (what
    stands out from the paper's smooth surface, further dark or light); None for evenly lit paper."""
    thumbnail = _thumbnail(grey)
    surface = _light_surface(thumbnail, 0)
    if surface is None:
        return None
    residual = thumbnail - surface
    darker = -float(residual[residual < -UNEVEN_LIGHT_INK_STEP].sum())
    lighter = float(residual[residual > UNEVEN_LIGHT_INK_STEP].sum())
    return darker >= lighter


def _even_paper(histograms: Histograms) -> np.ndarray:
    """Per image of a stack, whether its paper is plainly even (see UNEVEN_PAPER_RANGE)."""
    split = histograms.otsu_index()
    paper_below = histograms.sum(0, split) >= histograms.sum(split)
    first, last = np.where(paper_below, 0, split), np.where(paper_below, split, BINS)
    return histograms.percentile(95, first, last) - histograms.percentile(5, first, last) < UNEVEN_PAPER_RANGE


def _ink_is_dark(greys: np.ndarray, histograms: Histograms, even_paper: np.ndarray,
                 whole: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per image of a stack: (True for dark ink on light paper, False for light ink on dark paper; True where that
    was a close call, see POLARITY_CLEAR_MAJORITY).

    Split the greys in two (Otsu): the smaller class is ink. When the two are close in size
    (a thick digit cropped tight), the class that owns most of the image border is paper. On unevenly lit
    paper, where the split falls between the paper's darker and lighter parts, ink is what stands out from
    the paper around it. A printed box along the picture's edges is neither (see EDGE_LINE_PAPER). `greys` may be a
    strided sample of one big picture, `whole` (see _ink_is_darker_than_paper).
    """
    if len(greys) == 1 and min(greys.shape[1:]) >= FLATTEN_MIN_SIZE and not even_paper[0]:
        uneven = _ink_is_dark_on_uneven_paper(greys[0])
        if uneven is not None:
            return np.array([uneven]), np.zeros(1, dtype=bool)
    split = histograms.otsu_index()
    dark_fraction = histograms.sum(0, split) / np.maximum(histograms.counts.sum(axis=1), 1)
    threshold = histograms.centres[np.arange(len(greys)), split] - histograms.step / 2
    dark = greys < threshold[:, np.newaxis, np.newaxis]
    insides = _inside_edge_lines(dark)
    boxed = np.array([inside != (slice(None), slice(None)) for inside in insides])
    # (a box only adds dark pixels: where the dark class is plainly ink anyway, it changes nothing)
    for index in np.flatnonzero(boxed & (dark_fraction >= POLARITY_CLEAR_MAJORITY)):
        dark_fraction[index] = dark[index][insides[index]].mean()
    clearly_dark = dark_fraction < POLARITY_CLEAR_MAJORITY
    close_call = ~clearly_dark & (dark_fraction <= 1.0 - POLARITY_CLEAR_MAJORITY)
    if cleaned_together(greys.shape[1:]):
        # A small picture cropped tight to its digit has no paper around it to outnumber the ink (a thick 1 fills
        # most of its crop): where its border and corners say otherwise than the majority, it is a close call.
        light_border = _borders_are_light(dark)
        cropped = _reaches_every_edge(np.where(light_border[:, np.newaxis, np.newaxis], dark, ~dark))
        close_call |= cropped & ~boxed & (light_border != clearly_dark)
    if not close_call.any():
        return clearly_dark, close_call
    if whole is not None and _only_paper(histograms)[0]:
        return np.array([_ink_is_darker_than_paper(whole[0])]), np.zeros(1, dtype=bool)
    border_vote = clearly_dark.copy()
    for index in np.flatnonzero(close_call):
        border_vote[index] = _border_is_light(dark[index][insides[index]])
    return np.where(close_call, border_vote, clearly_dark), close_call


def _border_is_light(dark: np.ndarray) -> bool:
    """Whether most of a picture's border and corners (`dark`: its dark grey class) is light."""
    return bool(_borders_are_light(dark[np.newaxis])[0])


def _borders_are_light(dark: np.ndarray) -> np.ndarray:
    """_border_is_light for each picture of a stack."""
    height, width = dark.shape[1:]
    border = np.concatenate([dark[:, 0], dark[:, -1], dark[:, :, 0], dark[:, :, -1]], axis=1)
    corner = max(1, min(height, width) // 8)
    corners = np.concatenate([dark[:, :corner, :corner], dark[:, :corner, -corner:], dark[:, -corner:, :corner],
                              dark[:, -corner:, -corner:]], axis=1).reshape(len(dark), -1)
    return 0.5 * border.mean(axis=1) + 0.5 * corners.mean(axis=1) < 0.5


def _reaches_every_edge(inked: np.ndarray) -> np.ndarray:
    """Per picture of a stack, whether its inked pixels (`inked`) reach all four of its edges."""
    return np.logical_and.reduce([inked[:, 0].any(axis=1), inked[:, -1].any(axis=1), inked[:, :, 0].any(axis=1),
                                  inked[:, :, -1].any(axis=1)])


def _inside_edge_lines(dark: np.ndarray) -> list[tuple[slice, slice]]:
    """Per picture of a stack (`dark`: the dark grey class of each), its rows and columns inside the dark lines that
    run along its edges with paper inside them (the printed box of a form's cell it was cropped from, see
    EDGE_LINE_PAPER): all of them when there are none."""
    count, height, width = dark.shape
    everywhere = (slice(None), slice(None))
    if min(height, width) < RULE_MIN_ACROSS:
        return [everywhere] * count
    band = max(EDGE_MIN_BAND, int(EDGE_LINE_BAND * min(height, width)))
    rows, columns = dark.mean(axis=2), dark.mean(axis=1)
    top, bottom = _edge_line_depth(rows, band), _edge_line_depth(rows[:, ::-1], band)
    left, right = _edge_line_depth(columns, band), _edge_line_depth(columns[:, ::-1], band)
    return [(slice(top[index], height - bottom[index]), slice(left[index], width - right[index]))
            if top[index] + bottom[index] + left[index] + right[index] else everywhere for index in range(count)]


def _edge_line_depth(shares: np.ndarray, band: int) -> np.ndarray:
    """Per picture, how many lines (their dark shares from an edge inwards, (N, L)) are a printed line along that
    edge and the paper outside it (edge_line_runs), when the line after them is at least EDGE_LINE_PAPER light."""
    _, stops = edge_line_runs(shares, band)
    paper_follows = shares[np.arange(len(shares)), stops] <= 1.0 - EDGE_LINE_PAPER
    return np.where((stops > 0) & paper_follows, stops, 0)


def edge_line_runs(shares: np.ndarray, band: int) -> tuple[np.ndarray, np.ndarray]:
    """Per picture, where a line printed along an edge starts and stops ([start, stop) of the lines from that edge
    inwards, `shares` (N, L): how much of each is inked): the first run of lines inked along RULE_SPAN within `band`
    (paper outside it may come first), ending within it; stop 0 where there is none."""
    window = shares[:, :band + 1]
    line = window >= RULE_SPAN
    starts = np.where(line.any(axis=1), line.argmax(axis=1), band + 1)
    past = ~line & (np.arange(window.shape[1]) > starts[:, np.newaxis])
    return starts, np.where(past.any(axis=1), past.argmax(axis=1), 0)


def _only_paper(histograms: Histograms) -> np.ndarray:
    """Per image of a stack, whether its two grey classes are one (paper and its grain): their medians are less than
    MIN_CONTRAST apart."""
    split = histograms.otsu_index()
    return histograms.percentile(50, split) - histograms.percentile(50, 0, split) < MIN_CONTRAST


def _ink_is_darker_than_paper(grey: np.ndarray) -> bool:
    """Whether the ink of a picture is darker than its paper, told by which way its greys reach further from their
    middle: for a big picture whose strided sample holds no ink (a small, thin digit on a big page) and shows only
    paper grain, whose two halves of about the same grey say nothing about the ink."""
    middle = float(np.median(grey[::4, ::4]))
    return middle - float(grey.min()) >= float(grey.max()) - middle


def _flatten_paper(ink: np.ndarray) -> np.ndarray:
    """Subtract slowly varying paper brightness (shadows, gradients), estimated by a wide grey opening.

    The opening runs on a small thumbnail with a window of a third of the image, wider than any
    stroke, so strokes never count as paper; uniform paper is left alone (the same array comes back).
    """
    size = max(ink.shape)
    if size < FLATTEN_MIN_SIZE:
        return ink
    thumbnail = _thumbnail(ink)
    window = max(3, max(thumbnail.shape) // 3)
    background = ndimage.grey_opening(thumbnail, size=(window, window), mode="nearest")
    background = ndimage.uniform_filter(background, size=window, mode="nearest")
    if float(background.max() - background.min()) < UNEVEN_PAPER_RANGE:
        return ink
    # An opening cannot follow paper that brightens (in ink's direction) towards the picture's edges, as a phone
    # camera's dark corners do: there a smooth surface fitted to the paper alone is nearer.
    surface = _light_surface(thumbnail, 1)
    if surface is not None:
        background = np.maximum(background, surface)
    full = Image.fromarray(background.astype(np.float32), mode="F").resize((ink.shape[1], ink.shape[0]), Image.BILINEAR)
    return ink - np.asarray(full, dtype=np.float32)


def _grow_rim(mask: np.ndarray) -> np.ndarray:
    """A stack of boolean masks (N, H, W) grown by RIM_RADIUS pixels in each image (a square dilation)."""
    grown = mask.copy()
    for shift in range(1, RIM_RADIUS + 1):
        grown[:, shift:] |= mask[:, :-shift]
        grown[:, :-shift] |= mask[:, shift:]
    tall = grown.copy()
    for shift in range(1, RIM_RADIUS + 1):
        grown[:, :, shift:] |= tall[:, :, :-shift]
        grown[:, :, :-shift] |= tall[:, :, shift:]
    return grown


def _ruled_lines(labels: np.ndarray, areas: np.ndarray, boxes: list) -> np.ndarray:
    """Per piece of ink (`boxes`: ndimage.find_objects of `labels`), whether it is a line of the paper (ruled line,
    margin, grid) rather than writing: it runs across RULE_SPAN of the image and is thinner than RULE_THICKNESS of it
    (tilted ones too)."""
    _, height, width = labels.shape
    rules = np.zeros(len(areas), dtype=bool)
    for index, box in enumerate(boxes):
        if box is None:
            continue
        rows, columns = box[1].stop - box[1].start, box[2].stop - box[2].start
        area = areas[index]
        rules[index] = (
            (columns >= RULE_SPAN * width and area / columns <= RULE_THICKNESS * height)
            or (rows >= RULE_SPAN * height and area / rows <= RULE_THICKNESS * width)
        )
    return rules


def _edge_lines(mask: np.ndarray, labels: np.ndarray, areas: np.ndarray, boxes: list, image_of: np.ndarray,
                several: np.ndarray) -> np.ndarray:
    """Per piece of ink (`boxes`: ndimage.find_objects of `labels`), whether it is a printed line along the picture's
    edges (a form cell's box, see EDGE_BAND)."""
    _, height, width = labels.shape
    band = max(EDGE_MIN_BAND, EDGE_BAND * min(height, width))
    along = np.zeros(len(areas), dtype=bool)  # lying wholly along the edges, running along one of them
    corners = np.zeros(len(areas), dtype=bool)
    for index, box in enumerate(boxes):
        if box is None or not several[index]:
            continue
        rows, columns = box[1].stop - box[1].start, box[2].stop - box[2].start
        if columns < RULE_SPAN * width and rows < RULE_SPAN * height:
            continue
        corners[index] = columns >= RULE_SPAN * width and rows >= RULE_SPAN * height
        piece = labels[box] == index + 1
        rows = np.arange(box[1].start, box[1].stop)[:, np.newaxis]
        columns = np.arange(box[2].start, box[2].stop)[np.newaxis, :]
        near_edge = (rows < band) | (rows >= height - band) | (columns < band) | (columns >= width - band)
        along[index] = not (piece[0] & ~near_edge).any()
    if not along.any():
        return along
    widths = _stroke_widths(mask, labels, areas)
    edges = np.zeros(len(areas), dtype=bool)
    for index in np.flatnonzero(along):
        same_image = image_of == image_of[index]
        writing = several & same_image & ~along
        if writing.any() and (corners[index] or ((along & same_image).sum() >= 2 and _reaches_past(
                boxes[index], [boxes[other] for other in np.flatnonzero(writing)]))):
            edges[index] = True  # sides of a box, however thick
            continue
        others = same_image & (np.arange(len(areas)) != index)
        edges[index] = widths[index] <= EDGE_THINNER * widths[others][np.argmax(areas[others])]
    return edges


def _reaches_past(line: tuple, writing: list[tuple]) -> bool:
    """Does a piece along the edges (`line`, a stack's find_objects box) reach past all the `writing` at both ends of
    each way it runs along the picture, by EDGE_REACH of the writing's extent that way?"""
    for axis in (1, 2):
        start, stop = min(box[axis].start for box in writing), max(box[axis].stop for box in writing)
        reach = EDGE_REACH * (stop - start)
        runs_along = line[axis].stop - line[axis].start > stop - start
        if runs_along and (start - line[axis].start < reach or line[axis].stop - stop < reach):
            return False
    return True


def _lined_rows(inked: np.ndarray) -> np.ndarray:
    """Per row of `inked` (..., rows, length), whether it could be a printed line: inked across RULE_COVERAGE of
    its length and reaching both ends (a line crosses the whole picture, a stroke does not)."""
    length = inked.shape[-1]
    ends = max(1, length // 10)
    return (
        (np.count_nonzero(inked, axis=-1) / length >= RULE_COVERAGE)
        & (np.count_nonzero(inked[..., :ends], axis=-1) / ends >= 0.5)
        & (np.count_nonzero(inked[..., -ends:], axis=-1) / ends >= 0.5)
    )


def _line_bands(lined: np.ndarray, thickest: float) -> list[tuple[int, int]]:
    """Runs [start, stop) of lined rows (see _lined_rows) no thicker than `thickest`: printed lines."""
    lined = np.concatenate(([False], lined, [False]))
    starts, stops = np.flatnonzero(lined[1:] & ~lined[:-1]), np.flatnonzero(~lined[1:] & lined[:-1])
    return [(int(start), int(stop)) for start, stop in zip(starts, stops) if stop - start <= thickest]


def _sheared(inked: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Row r of the result is the pixels (r + offsets[c], c) of `inked` (False outside it); one result per
    row of `offsets` when it has several (slopes tried together)."""
    across, length = inked.shape
    pad = int(np.abs(offsets).max()) + 1
    padded = np.pad(inked, ((pad, pad), (0, 0)))
    return padded[np.arange(pad, pad + across)[:, np.newaxis] + offsets[..., np.newaxis, :], np.arange(length)]


def _offsets(slope: float, length: int) -> np.ndarray:
    return np.rint(slope * (np.arange(length) - length / 2)).astype(np.intp)


def _ruling_slope(inked: np.ndarray, fewest: int) -> float | None:
    """The slope among RULE_SLOPES at which the most (`fewest` or more) lines run along the rows of `inked`,
    searched at half size (a 2x2 block is inked if any of its pixels is), all slopes at once."""
    across, length = inked.shape[0] // 2, inked.shape[1] // 2
    even = inked[:across * 2, :length * 2]
    half = even[0::2, 0::2] | even[1::2, 0::2] | even[0::2, 1::2] | even[1::2, 1::2]
    lined = _lined_rows(_sheared(half, np.stack([_offsets(slope, length) for slope in RULE_SLOPES])))
    best, most = None, fewest - 1
    for slope, rows in zip(RULE_SLOPES, lined):
        # (At half size a line of even thickness can straddle one more row; its thickness is checked at full size.)
        bands = _line_bands(rows, max(RULE_MIN_THICKNESS, RULE_THICKNESS * across) + 1)
        if len(bands) > most:
            best, most = float(slope), len(bands)
    return best


def _runs_past_the_rest(level: np.ndarray, band: tuple[int, int]) -> bool:
    """Does the line in rows `band` of `level` (inked, sheared so the line runs along its rows) reach past the ink
    outside it at both ends by UNDERLINE_OVERHANG of the height? (The rows just next to it, its soft rim, are
    left out.)"""
    across, length = level.shape
    thickness = band[1] - band[0]
    outside = np.ones(across, dtype=bool)
    outside[max(0, band[0] - thickness - 2):band[1] + thickness + 2] = False
    columns = np.flatnonzero(level[outside].any(axis=0))
    if not columns.size:
        return False
    overhang = UNDERLINE_OVERHANG * across
    return bool(columns[0] >= overhang and columns[-1] < length - overhang)


def _erase_lines_across(view: np.ndarray) -> None:
    """Erase, in place, two or more thin parallel lines running across `view` along its rows (nearly: at
    one of RULE_SLOPES), or a single one when the view is at least UNDERLINE_ASPECT times as long as it is
    across (a line written on: only printed rules are that long and thin there, a digit's bar is not) or the
    line runs past all the other ink at both ends (see _runs_past_the_rest): each
    line pixel becomes the weaker of the ink just above and just below the line, so strokes crossing it go on
    and the line itself goes."""
    across, length = view.shape
    inked = view > 0
    ends = max(1, length // 10)
    # Lines cross the whole picture: without an inked row at each end, there are none (the usual case).
    for end in (inked[:, :ends], inked[:, -ends:]):
        if not np.any(end.mean(axis=1) >= 0.5):
            return
    rough = _ruling_slope(inked, 1)
    if rough is None:
        return
    # The half-size search is coarse: the slope is settled at full size among its neighbours (nearest first).
    near = sorted(RULE_SLOPES[np.abs(RULE_SLOPES - rough) <= 2.5 * RULE_SLOPE_STEP], key=lambda s: abs(s - rough))
    candidates = np.stack([_offsets(float(slope), length) for slope in near])
    offsets, bands = np.zeros(length, np.intp), []
    for candidate, rows in zip(candidates, _lined_rows(_sheared(inked, candidates))):
        found = _line_bands(rows, max(RULE_MIN_THICKNESS, RULE_THICKNESS * across))
        if len(found) > len(bands):
            offsets, bands = candidate, found
    if not bands or (len(bands) == 1 and length < UNDERLINE_ASPECT * across
                     and not _runs_past_the_rest(_sheared(inked, offsets), bands[0])):
        return
    columns = np.arange(length)

    def line(row: int) -> tuple[np.ndarray, np.ndarray]:
        rows = row + offsets
        inside = (rows >= 0) & (rows < across)
        return rows[inside], columns[inside]

    for start, stop in bands:
        before, after = np.zeros(length, np.float32), np.zeros(length, np.float32)
        rows, inside = line(start - 1)
        before[inside] = view[rows, inside]
        rows, inside = line(stop)
        after[inside] = view[rows, inside]
        fill = np.minimum(before, after)
        for row in range(start, stop):
            rows, inside = line(row)
            view[rows, inside] = fill[inside]


def _erase_ruling(soft: np.ndarray) -> None:
    """Erase, in place, the printed lines of ruled or squared paper that run through the writing, in each
    image of a stack big enough to show them (see _erase_lines_across)."""
    height, width = soft.shape[1:]
    for image in soft:
        if width >= RULE_MIN_SIZE and height >= RULE_MIN_ACROSS:
            _erase_lines_across(image)
        if height >= RULE_MIN_SIZE and width >= RULE_MIN_ACROSS:
            _erase_lines_across(image.T)


def _stroke_widths(mask, labels, areas) -> np.ndarray:
    """Per piece, the width of its strokes: about twice its area over its outline (the pixels with a 4-neighbour
    outside it)."""
    inside = mask.copy()
    inside[:, 1:] &= mask[:, :-1]
    inside[:, :-1] &= mask[:, 1:]
    inside[:, :, 1:] &= mask[:, :, :-1]
    inside[:, :, :-1] &= mask[:, :, 1:]
    outline = np.bincount(labels[mask & ~inside], minlength=len(areas) + 1)[1:]
    return 2.0 * areas / np.maximum(outline, 1)


def _pen_dots(mask, labels, areas, image_of, largest, candidates) -> np.ndarray:
    """Which of the `candidates` pieces are dots of the writing's pen (a full stop, a comma's head): at least
    DOT_SHARE of a square as wide as the strokes of the image's largest piece."""
    widths = _stroke_widths(mask, labels, areas)
    biggest = np.zeros(len(largest), dtype=np.intp)
    biggest[image_of[areas == largest[image_of]]] = np.flatnonzero(areas == largest[image_of])
    pen = widths[biggest][image_of]
    # Round and solid: a dot fills most of its box (a fragment of a broken stroke is long and thin).
    boxes = ndimage.find_objects(labels)
    filled = np.array([areas[index] >= DOT_FILL * (box[1].stop - box[1].start) * (box[2].stop - box[2].start)
                       if candidates[index] and box is not None else False for index, box in enumerate(boxes)])
    return candidates & filled & (areas >= DOT_SHARE * pen ** 2)


def _drop_specks(soft: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image of a stack, keep the connected pieces of ink that are not tiny compared with its largest,
    and that are not lines of the paper beside the writing.

    Returns the cleaned stack and, per image, the longer side of the box around its largest piece kept (0 without
    ink).
    """
    count = len(soft)
    mask = soft > COMPONENT_THRESHOLD
    if count == 1:  # (the same labels, with less work)
        labels, pieces = ndimage.label(mask[0], structure=EIGHT_CONNECTED)
        labels = labels[np.newaxis]
    else:
        labels, pieces = ndimage.label(mask, structure=_STACKED_EIGHT_CONNECTED)
    if pieces == 0:
        return np.zeros_like(soft), np.zeros(count, dtype=np.intp)
    image_of = np.zeros(pieces + 1, dtype=np.intp)  # labels are unique across the stack
    if count > 1:
        image_of[labels.reshape(count, -1)] = np.arange(count)[:, np.newaxis]
    image_of = image_of[1:]
    areas = np.bincount(labels.ravel(), minlength=pieces + 1)[1:]
    pieces_per_image = np.bincount(image_of, minlength=count)
    largest = np.zeros(count, dtype=areas.dtype)
    np.maximum.at(largest, image_of, areas)
    several = pieces_per_image[image_of] > 1
    small = (areas < np.maximum(2, SPECK_FRACTION * largest[image_of])) & several
    maybe_dots = small & (areas >= DOT_FRACTION * largest[image_of])
    if maybe_dots.any():
        small &= ~_pen_dots(mask, labels, areas, image_of, largest, maybe_dots)
    drop = small
    boxes = ndimage.find_objects(labels)
    if several.any():
        rules = _edge_lines(mask, labels, areas, boxes, image_of, several & ~small)
        if min(soft.shape[1:]) >= RULE_MIN_SIZE:
            rules |= _ruled_lines(labels, areas, boxes) & several
        if rules.any():
            # A rule goes only where ink that is not a rule stays: a long thin digit alone is kept.
            other_ink = np.bincount(image_of[~small & ~rules], minlength=count) > 0
            drop = small | (rules & other_ink[image_of])
    # (Without a piece to drop, the pieces kept are the mask: no need to look each pixel's label up.)
    keep = np.take(~np.concatenate(([True], drop)), labels) if drop.any() else mask
    # Keep the soft (anti-aliased) rim of kept pieces, drop everything else.
    rim = _grow_rim(keep)
    return np.where(rim, soft, np.float32(0)).astype(np.float32, copy=False), _largest_extents(boxes, areas, image_of,
                                                                                                drop, count)


def _largest_extents(boxes: list, areas: np.ndarray, image_of: np.ndarray, drop: np.ndarray,
                     count: int) -> np.ndarray:
    """Per image of a stack, the longer side of the box around its largest piece of ink not dropped (0: none)."""
    kept = np.flatnonzero(~drop)
    extents = np.zeros(count, dtype=np.intp)
    if not len(kept):
        return extents
    order = kept[np.lexsort((areas[kept], image_of[kept]))]
    last = np.flatnonzero(np.append(image_of[order][1:] != image_of[order][:-1], True))
    for piece in order[last]:  # (the largest of each image)
        rows, columns = boxes[piece][1:]
        extents[image_of[piece]] = max(rows.stop - rows.start, columns.stop - columns.start)
    return extents


def _grain(histograms: Histograms, split: np.ndarray) -> np.ndarray:
    """Per image of a stack, the spread of its paper's grain: the standard deviation its paper's quartiles imply
    (robust to a faint layer among the paper's greys)."""
    return (histograms.percentile(75, 0, split) - histograms.percentile(25, 0, split)) / 1.349


def _faint_layers(flattened: np.ndarray, histograms: Histograms, split: np.ndarray, paper_level: np.ndarray,
                  grain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image of a stack whose ink is bright, the grey level from which only the writing lies above a faint layer
    under it (see FAINT_RATIO), NaN where there is no such layer; and the writing's median grey level. `grain` is
    the spread of each paper's grain (_grain)."""
    cuts = np.full(len(flattened), np.nan)
    if max(flattened.shape[1:]) < FAINT_MIN_SIZE:
        return cuts, np.full(len(flattened), np.nan)
    if not grain.any():  # (paper of one grey: a drawing program's canvas, through which nothing shows)
        return cuts, np.full(len(flattened), np.nan)
    bins = histograms.counts.shape[1]
    lowest = np.clip(((paper_level + FAINT_GRAIN * grain - histograms.low) / histograms.step).astype(np.intp) + 1,
                     1, bins - 1)
    inner = histograms.otsu_index_from(lowest)
    layer_level = histograms.percentile(50, lowest, inner) - paper_level
    writing_level = histograms.percentile(50, inner) - paper_level
    layer_counts = histograms.sum(lowest, inner)
    candidates = (layer_counts > 0) & (histograms.sum(inner) > 0) & (writing_level >= FAINT_RATIO * layer_level)
    if not candidates.any():  # (the usual case: no second, fainter class)
        return cuts, writing_level + paper_level
    third = (writing_level - layer_level) / 3
    # (The valley counted over the whole picture: printed lines add to the layer, hardly to the valley.)
    valleys = histograms.sum(*(np.clip(((level + paper_level - histograms.low) / histograms.step).astype(np.intp), 0,
                                       bins) for level in (layer_level + third, writing_level - third)))
    candidates &= valleys < FAINT_VALLEY * layer_counts
    if not candidates.any():
        return cuts, writing_level + paper_level
    layer_spread = histograms.percentile(75, lowest, inner) - histograms.percentile(25, lowest, inner)
    candidates &= layer_spread >= FAINT_BLUR * layer_level
    square = np.ones((2 * RIM_RADIUS + 1,) * 2, dtype=bool)
    for index in np.flatnonzero(candidates):
        image = flattened[index]
        cut = histograms.low[index] + inner[index] * histograms.step[index]
        if writing_level[index] + paper_level[index] - cut < MIN_CONTRAST:
            continue
        writing = image >= cut
        if any(np.ptp(np.flatnonzero(writing.any(axis=axis))) + 1 >= FAINT_SPAN * image.shape[1 - axis]
               for axis in (0, 1)):
            continue
        layer = (image >= histograms.low[index] + lowest[index] * histograms.step[index]) & ~writing
        # (Printed lines in the layer do not count: the lines of a form are erased as such.)
        off_lines = ~(layer.mean(axis=1) >= FAINT_LINE)[:, np.newaxis] & ~(layer.mean(axis=0) >= FAINT_LINE)
        layer &= off_lines
        low = paper_level[index] + layer_level[index] + third[index]
        high = paper_level[index] + writing_level[index] - third[index]
        valley = np.count_nonzero(off_lines & (image >= low) & (image < high))
        far = np.count_nonzero(layer & ~ndimage.binary_dilation(writing, structure=square))
        area = np.count_nonzero(layer)
        if (valley < FAINT_VALLEY * area and far >= FAINT_FAR_SHARE * np.count_nonzero(writing)
                and _stroke_widths(layer[np.newaxis], layer[np.newaxis].astype(np.intp), np.array([area]))[0]
                >= FAINT_WIDTH):
            cuts[index] = cut
    return cuts, writing_level + paper_level


def _extents(soft: np.ndarray) -> np.ndarray:
    """Per image of a stack, the longer side of the box around its ink (0 without ink)."""
    extents = []
    for axis in (2, 1):
        inked = soft.any(axis=axis)
        first = np.argmax(inked, axis=1)
        last = inked.shape[1] - 1 - np.argmax(inked[:, ::-1], axis=1)
        extents.append(np.where(inked.any(axis=1), last - first + 1, 0))
    return np.maximum(*extents)


def cleaned_together(shape: tuple[int, int]) -> bool:
    """Whether images of this size are cleaned as one stack by ink_maps (small ones, never flattened);
    bigger ones are cleaned one at a time, so there is no point holding many of them at once."""
    return max(shape) < FLATTEN_MIN_SIZE


def _reduction(height: int, width: int, longest: int) -> int:
    """The integer factor that brings an image's longer side to at most `longest` (1 where its shorter side is
    smaller than that factor: a thin sliver is left whole)."""
    factor = int(np.ceil(max(height, width) / longest))
    return factor if factor <= min(height, width) else 1


def ink_height(soft: np.ndarray) -> int:
    """How many rows an ink map's ink spans (the height of a line of writing)."""
    rows = np.flatnonzero(soft.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def _without_surroundings(grey: np.ndarray, sample: np.ndarray, histograms: Histograms, stride: int) -> np.ndarray:
    """A photo of a sheet of paper on a darker table, or a scan with the scanner's dark lid around the page: `grey`
    with what lies around the page painted the page's grey (see SURROUNDINGS_MIN_SIZE); `grey` itself when nothing
    lies around it. `sample` is `grey` strided by `stride`, and `histograms` its histogram."""
    threshold = float(histograms.centres[0, histograms.otsu_index()[0]] - histograms.step[0] / 2)
    dark = sample < threshold
    edge = np.concatenate([dark[0], dark[-1], dark[1:-1, 0], dark[1:-1, -1]])
    corners = int(dark[0, 0]) + int(dark[0, -1]) + int(dark[-1, 0]) + int(dark[-1, -1])
    if corners == 0:
        return grey
    painted = _table_around(grey, sample, dark, corners, edge, stride)
    if painted is not grey:
        return painted
    if dark.mean() >= SURROUNDINGS_MAX_SHARE:
        return grey  # (no light page for slivers to lie beside: light ink on dark paper)
    smoothly_lit = bool(_ink_is_dark_on_uneven_paper(grey))  # (see _painted)
    fine = max(1, stride // SLIVER_FINER)
    picture = grey[::fine, ::fine]
    slivers = _slivers(picture < threshold)
    light = _light_surface(_thumbnail(grey), -1) if smoothly_lit else None
    if light is not None:  # (its shaded side can be as dark as the table: against the paper's light, SLIVER_RELIT)
        near = Image.fromarray(light, mode="F").resize((picture.shape[1], picture.shape[0]), Image.BILINEAR)
        relit = _slivers(picture < SLIVER_RELIT * np.asarray(near, dtype=np.float32))
        if relit is not None:
            slivers = relit if slivers is None else slivers | relit
    if slivers is None:
        return grey
    return _painted(grey, picture, slivers, fine, SURROUNDINGS_RIM * stride // fine, smoothly_lit)


def _table_around(grey: np.ndarray, sample: np.ndarray, dark: np.ndarray, corners: int, edge: np.ndarray,
                  stride: int) -> np.ndarray:
    """_without_surroundings for a table (or a window) all round the page or along whole sides of it: `dark` is the
    sample's dark grey class, `corners` how many of its corners and `edge` which of its edge pixels lie in it."""
    if corners < 2 or edge.mean() < SURROUNDINGS_BORDER:
        return grey
    labels, _ = ndimage.label(dark, structure=EIGHT_CONNECTED)
    on_edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    around = np.isin(labels, on_edge[on_edge > 0])
    area = int(around.sum())
    if area >= SURROUNDINGS_MAX_SHARE * around.size and not _is_page(~around, dark):
        return grey
    solid = ndimage.binary_erosion(around, structure=EIGHT_CONNECTED, border_value=1)
    if solid.sum() < SURROUNDINGS_SOLID * area:
        return grey
    # A sheet's edge is a step from the table to the page; light that fades towards the corners is no edge.
    # (Each side a sample pixel clear of the edge, which may fall within a pixel.)
    near = ndimage.binary_dilation(around, structure=EIGHT_CONNECTED)
    page_side = ndimage.binary_dilation(near, structure=EIGHT_CONNECTED) & ~near
    region_side = solid & ~ndimage.binary_erosion(solid, structure=EIGHT_CONNECTED, border_value=1)
    page_grey, table_grey = float(np.median(sample[~around])), float(np.median(sample[around]))
    if (sample[around] < table_grey - SHADOW_INK_STEP).sum() >= SHADOW_INK_PIXELS:
        return grey  # (writing on it: a shadow across the page, see SHADOW_MIN_SHARE)
    if not page_side.any() or (float(np.median(sample[page_side])) - float(np.median(sample[region_side]))
                               < SURROUNDINGS_STEP * (page_grey - table_grey)):
        return grey
    return _painted(grey, sample, around, stride, smoothly_lit=bool(_ink_is_dark_on_uneven_paper(grey)))


def _painted(grey: np.ndarray, sample: np.ndarray, around: np.ndarray, stride: int,
             rim: int = SURROUNDINGS_RIM, smoothly_lit: bool = False) -> np.ndarray:
    """`grey` with what lies around the page (`around`, a mask of its strided `sample`) and `rim` sample pixels
    beyond it painted the page's grey: the median of the rest of the sample; on a page lit unevenly but smoothly
    (`smoothly_lit`: light falling from one corner, not a shadow's step), as light as the nearest paper beyond the
    rim (the sample's brightest PAPER_BESIDE pixels across, so that a stroke beside the rim is not copied), since
    one grey would stand out from its lit or its shaded side as ink."""
    page_grey = None if smoothly_lit else np.float32(np.median(sample[~around]))
    around = ndimage.binary_dilation(around, structure=EIGHT_CONNECTED, iterations=rim)
    full = np.repeat(np.repeat(around, stride, axis=0), stride, axis=1)[:grey.shape[0], :grey.shape[1]]
    if page_grey is None:
        paper = ndimage.maximum_filter(sample, size=PAPER_BESIDE, mode="nearest")
        rows, columns = ndimage.distance_transform_edt(around, return_distances=False, return_indices=True)
        nearest = np.repeat(np.repeat(paper[rows, columns], stride, axis=0), stride, axis=1)
        page_grey = nearest[:grey.shape[0], :grey.shape[1]].astype(np.float32)
    return np.where(full, page_grey, grey)


def _slivers(dark: np.ndarray) -> np.ndarray | None:
    """The table's slivers along the edges of a picture (`dark`: its dark grey class, at a resolution where the
    slivers are several pixels deep) of a sheet filling the frame askew (see SLIVER_MIN_RUN), as a mask; None where
    there are none."""
    found = np.zeros_like(dark)
    # Each edge as the first row of a view of the mask (views write through to `found`).
    for view, mark in ((dark, found), (dark[::-1], found[::-1]), (dark.T, found.T), (dark.T[::-1], found.T[::-1])):
        rows, columns = view.shape
        deepest = SLIVER_MAX_DEPTH * rows
        depth = np.where(view.all(axis=0), rows, np.argmin(view, axis=0))
        shallow = (depth > 0) & (depth <= deepest)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], shallow.astype(np.int8), [0]])))
        for first, stop in zip(edges[::2], edges[1::2]):
            if stop - first < SLIVER_MIN_RUN * columns:
                continue
            positions = np.arange(first, stop)
            slope, offset = np.polyfit(positions, depth[first:stop], 1)
            residual = np.abs(depth[first:stop] - (slope * positions + offset))
            if np.quantile(residual, 0.9) > SLIVER_STRAIGHT:
                continue
            # Painted as deep as the fitted edge on to where it meets the picture's edge (the tip of a wedge is
            # thinner than its pixels show), and within the run at least as deep as the dark.
            along = np.arange(columns)
            fitted = np.ceil(slope * along + offset) + SLIVER_STRAIGHT
            beyond = (along < first) if slope > 0 else (along >= stop)
            reach = np.where((along >= first) & (along < stop), np.maximum(fitted, depth), np.where(beyond, fitted, 0))
            mark |= np.arange(rows)[:, np.newaxis] < np.minimum(reach, deepest)[np.newaxis, :]
    return found if found.any() else None


def _page_only(greys: np.ndarray, sample: np.ndarray, histograms: Histograms, stride: int,
               ) -> tuple[np.ndarray, np.ndarray, Histograms]:
    """A one-picture stack, its strided sample and the sample's histograms, with what lies around the page painted
    the page's grey (_without_surroundings, up to SURROUNDINGS_LAYERS times)."""
    for _ in range(SURROUNDINGS_LAYERS):
        grey = greys[0]  # (one view: each indexing makes a new one)
        page = _without_surroundings(grey, sample[0], histograms, stride)
        if page is grey:
            break
        greys = page[np.newaxis]
        sample = greys[:, ::stride, ::stride]
        histograms = Histograms.of(sample, 0.0, 1.0)
    return greys, sample, histograms


def _dark_share(histograms: Histograms) -> float:
    """The share of the first picture's pixels in its darker grey class."""
    split = histograms.otsu_index()[0]
    return float(histograms.counts[0, :split].sum() / max(histograms.counts[0].sum(), 1))


def _out_of_shadow(grey: np.ndarray, stride: int) -> np.ndarray:
    """A photo of a page with a shadow across it relit (see SHADOW_MIN_SHARE); `grey` itself for any other
    picture."""
    if _ink_is_dark_on_uneven_paper(grey):
        return grey  # (lit unevenly but smoothly, dark ink standing out from that: read as such)
    fine = max(1, stride // SHADOW_FINER)
    picture = grey[::fine, ::fine]
    window = max(3, int(round(SHADOW_WINDOW * min(picture.shape))))
    paper = ndimage.grey_closing(picture, size=(window, window), mode="nearest")
    brightest = float(np.quantile(paper, 0.95))
    if brightest <= 0 or (paper < (1 - SHADOW_DEPTH) * brightest).mean() < SHADOW_MIN_SHARE:
        return grey
    if float(paper.min()) < float(picture.min()) + SHADOW_INK_STEP:
        return grey  # (strokes wider than the window: no paper in the shadow, a heavy digit)
    relit = picture / np.maximum(paper, 1e-3)
    if (relit >= SHADOW_PAPER).mean() < SHADOW_EVEN or not (relit < SHADOW_INK).any():
        return grey
    full = Image.fromarray(paper.astype(np.float32), mode="F").resize((grey.shape[1], grey.shape[0]), Image.BILINEAR)
    return np.clip(grey / np.maximum(np.asarray(full, dtype=np.float32), np.float32(1e-3)), 0.0, 1.0) * np.float32(
        brightest)


def _is_page(light: np.ndarray, dark: np.ndarray) -> bool:
    """Whether the light part of a sample, smaller than what lies around it, holds a page with writing on it (a card
    on a desk, a drawing program's canvas) rather than light ink on dark paper: its largest piece clear of the
    picture's edge fills SURROUNDINGS_PAGE_FILL of its box, and dark ink lies on it."""
    labels, count = ndimage.label(light, structure=EIGHT_CONNECTED)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[np.concatenate([[0], labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = 0
    if not sizes.any():
        return False
    page = labels == sizes.argmax()
    rows, columns = np.flatnonzero(page.any(axis=1)), np.flatnonzero(page.any(axis=0))
    box = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    return bool(page[box].mean() >= SURROUNDINGS_PAGE_FILL and (dark[box] & page[box]).any())


def ink_maps(greys: np.ndarray) -> list[np.ndarray | None]:
    """Clean soft ink maps of a stack of same-size grey images (N, H, W): 1 = ink, 0 = paper, specks and
    paper texture removed; None for an image with no ink that stands out (see ink_maps_with_faint_layers)."""
    return [ink for ink, _ in ink_maps_with_faint_layers(greys)]


def ink_maps_with_faint_layers(greys: np.ndarray) -> list[tuple[np.ndarray | None, np.ndarray | None]]:
    """Per image of a stack of same-size grey images (N, H, W), its clean soft ink map (1 = ink, 0 = paper, specks
    and paper texture removed; None for an image with no ink that stands out) and, where a faint layer under the
    writing was taken away as writing showing through from the page's other side (_faint_layers), the ink map with
    that layer kept as writing (else None): a nib's hairlines are just as faint, and only reading both tells them
    apart.

    Each image is cleaned exactly as if it were alone; small images are cleaned together, so a folder of
    small scans costs a fraction of the Python per image. Large images are reduced to at most
    WORKING_SIZE on the longer side, and further where their ink stays MIN_INK_HEIGHT tall (see DRAFT_SIZE).
    Where the polarity was a close call and leaves no ink (a thick 1 cropped tight: its dark stroke owns most of
    the border, so the light corners were taken for ink and erased as slivers), the other polarity is read.
    """
    count, height, width = greys.shape
    if min(height, width) < 2:
        return [(None, None)] * count
    if count > 1 and not cleaned_together((height, width)):
        # (per-pixel work dominates: one at a time)
        return [ink_maps_with_faint_layers(grey[np.newaxis])[0] for grey in greys]
    results, close_calls = _ink_maps(greys)
    for index in np.flatnonzero(close_calls):
        if results[index][0] is None:
            results[index] = _ink_maps(greys[index:index + 1], flip=True)[0][0]
    return results


def _ink_maps(greys: np.ndarray, flip: bool = False, min_share: float | None = None
              ) -> tuple[list[tuple[np.ndarray | None, np.ndarray | None]], np.ndarray]:
    """ink_maps_with_faint_layers on a stack cleaned together, with the close calls among its polarities; `flip`
    reads each image the other way round; `min_share`: see _cleaned."""
    count, height, width = greys.shape
    working = _reduction(height, width, WORKING_SIZE)
    # (as a factor of the working size)
    draft = _reduction(height // working, width // working, DRAFT_SIZE)
    # Polarity from a strided sample (it depends on the majority), then reduce with ink bright.
    stride = working * draft
    sample = greys[:, ::stride, ::stride]
    grey_histograms = Histograms.of(sample, 0.0, 1.0)
    if count == 1 and min(height, width) >= SURROUNDINGS_MIN_SIZE:
        # What lies around the page; then a shadow across it, and what lay around the page under the shadow.
        greys, sample, grey_histograms = _page_only(greys, sample, grey_histograms, stride)
        if _dark_share(grey_histograms) >= SHADOW_MIN_SHARE:
            grey = greys[0]
            relit = _out_of_shadow(grey, stride)
            if relit is not grey:
                greys = relit[np.newaxis]
                sample = greys[:, ::stride, ::stride]
                greys, sample, grey_histograms = _page_only(greys, sample, Histograms.of(sample, 0.0, 1.0), stride)
    even_paper = _even_paper(grey_histograms)
    inverted, close_calls = _ink_is_dark(sample, grey_histograms, even_paper, greys if stride > 1 else None)
    if flip:
        inverted = ~inverted
    if count == 1:  # (the same, with less work)
        ink = 1.0 - greys if inverted[0] else greys
    else:
        ink = np.where(inverted[:, np.newaxis, np.newaxis], 1.0 - greys, greys)
    if working > 1:
        ink = _reduce(ink, working)
    if draft > 1:  # (one big image)
        drafted = _cleaned(_reduce(ink, draft), even_paper, plain_paper_only=True, min_share=min_share)
        if drafted is not None and drafted[0][0] is not None:
            fitted = min(draft, draft * ink_height(drafted[0][0]) // MIN_INK_HEIGHT)
            if fitted == draft:
                return drafted, close_calls
            if fitted > 1:
                ink = _reduce(ink, fitted)
        return _cleaned(ink, even_paper, min_share=min_share), close_calls
    # Same pixels as the sample when not reduced, mirrored: no need to count them again.
    return _cleaned(ink, even_paper, grey_histograms.mirrored_where(inverted) if working == 1 else None,
                    min_share=min_share), close_calls


def _cleaned(ink: np.ndarray, even_paper: np.ndarray, histograms: Histograms | None = None,
             plain_paper_only: bool = False, smoothed: bool = False,
             faint_layers: bool = True, min_share: float | None = None
             ) -> list[tuple[np.ndarray | None, np.ndarray | None]] | None:
    """ink_maps_with_faint_layers of a stack whose ink is bright, where `even_paper` tells which papers need no
    flattening (and `histograms` counts its pixels, when known); with `plain_paper_only`, None as soon as the paper
    of an image turns out not to be plain (see PLAIN_PAPER_SPREAD); without `faint_layers`, no faint layer is taken
    away; with `min_share`, ink is kept where it and its largest piece span that share of the image's longer side
    (instead of MIN_DIGIT_FRACTION and MIN_PIECE_FRACTION)."""
    flattened, paper_was_even = ink, True
    if max(ink.shape[1:]) >= FLATTEN_MIN_SIZE:
        images = list(ink)
        flattened_images = [image if even else _flatten_paper(image) for image, even in zip(images, even_paper)]
        paper_was_even = all(after is before for after, before in zip(flattened_images, images))
        flattened = ink if paper_was_even else np.stack(flattened_images)
    if histograms is None or not paper_was_even:
        histograms = Histograms.of(flattened, -1.0, 1.0)
    split = histograms.otsu_index()
    paper_level = histograms.percentile(50, 0, split)
    ink_level = histograms.percentile(50, split)
    contrast = ink_level - paper_level
    faint = (contrast < MIN_CONTRAST) & (histograms.sum(0, split) > 0) & (histograms.sum(split) > 0)
    if faint.any():
        # The class on the ink's side may be a faint printed pattern (a dense grid) outnumbering the ink: split it
        # again, the pattern counted with the paper.
        inner_split = histograms.otsu_index_from(split)
        inner_contrast = histograms.percentile(50, inner_split) - paper_level
        again = faint & (inner_contrast >= MIN_CONTRAST) & (histograms.sum(inner_split) > 0)
        split = np.where(again, inner_split, split)
        contrast = np.where(again, inner_contrast, contrast)
    grain = _grain(histograms, split)
    if faint_layers:
        cuts, writing_level = _faint_layers(flattened, histograms, split, paper_level, grain)
    else:
        cuts = writing_level = np.full(len(flattened), np.nan)
    layered = ~np.isnan(cuts)
    if layered.any():
        contrast = np.where(layered, writing_level - cuts, contrast)
        paper_level = np.where(layered, cuts, paper_level)
    # A single grey level (blank), or ink too close to the paper: no digit.
    rejected = (histograms.sum(0, split) == 0) | (histograms.sum(split) == 0) | (contrast < MIN_CONTRAST)
    contrast = np.where(rejected, 1.0, contrast)
    per_image = (slice(None), np.newaxis, np.newaxis)
    tiny = np.zeros(len(flattened), dtype=bool)
    if max(flattened.shape[1:]) < 2 * TINY_INK_PIXELS:  # (see TINY_INK_PIXELS)
        extents = _extents(flattened > (paper_level + 0.5 * contrast).astype(np.float32)[per_image])
        tiny = (extents < TINY_INK_PIXELS) & (2 * extents >= max(flattened.shape[1:])) & ~layered & ~rejected
        contrast = np.where(tiny, np.maximum(histograms.percentile(TINY_INK_TOP, split) - paper_level, contrast),
                            contrast)
    soft = np.clip((flattened - paper_level.astype(np.float32)[per_image]) / contrast.astype(np.float32)[per_image], 0.0, 1.0)
    paper_spread = histograms.std(0, split) / contrast
    if plain_paper_only and (paper_spread >= PLAIN_PAPER_SPREAD).any():
        return None
    noisy = (np.flatnonzero((grain >= NOISY_GRAIN * contrast) & ~rejected)
             if not smoothed and min(ink.shape[1:]) >= NOISY_MIN_SIZE else [])
    again: list[tuple[np.ndarray | None, np.ndarray | None]] = []  # (the noisy images, cleaned again smoothed)
    if len(noisy):  # (see NOISY_GRAIN)
        smooth = ndimage.uniform_filter(flattened[noisy], size=(1, NOISY_SMOOTHING, NOISY_SMOOTHING))
        smooth_histograms = Histograms.of(smooth, -1.0, 1.0)
        calmer = _grain(smooth_histograms, smooth_histograms.otsu_index()) <= NOISY_CALMER * grain[noisy]
        noisy = noisy[calmer]
        if len(noisy):
            again = _cleaned(smooth[calmer], np.ones(len(noisy), dtype=bool),
                             Histograms(smooth_histograms.counts[calmer], smooth_histograms.low[calmer],
                                        smooth_histograms.step[calmer]), smoothed=True, faint_layers=faint_layers,
                             min_share=min_share)
    # (Where a faint layer was taken away, the paper's grain is below it; a tiny digit has none: see TINY_INK_PIXELS.)
    paper_spread = np.where(layered | tiny, 0.0, paper_spread)
    soft[(soft < np.maximum(0.06, 3.0 * paper_spread).astype(np.float32)[per_image]) | rejected[per_image]] = 0.0
    _erase_ruling(soft)
    soft, largest_piece = _drop_specks(soft)
    # A speck of dust on an empty page is not a digit, nor are specks scattered over it.
    longest = max(soft.shape[1:])
    big_enough = _extents(soft) >= max(MIN_DIGIT_PIXELS, (min_share or MIN_DIGIT_FRACTION) * longest)
    if longest >= FLATTEN_MIN_SIZE:  # (a page's, not a digit's crop, whose light slivers may be all the ink there is)
        big_enough &= largest_piece >= max(MIN_DIGIT_PIXELS, (min_share or MIN_PIECE_FRACTION) * longest)
    results = [(image if good else None, None) for image, good in zip(soft, big_enough & ~rejected)]
    # The same images with their faint layer kept as writing, cleaned as if it had none (noisy ones: below).
    again_kept = np.setdiff1d(np.flatnonzero(layered), noisy)
    if len(again_kept):
        kept = _cleaned(flattened[again_kept], np.ones(len(again_kept), dtype=bool), smoothed=smoothed,
                        faint_layers=False, min_share=min_share)
        for index, (with_layer, _) in zip(again_kept, kept):
            results[index] = (results[index][0], with_layer)
    for index, result in zip(noisy, again):
        results[index] = result
    return results


def small_writing_box(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """Where a picture with no digit (ink_maps_with_faint_layers) may hold writing too small to read at its size (see
    SMALL_WRITING_SHARE): the box (top, left, bottom, right) around it and its margin, in the picture's pixels; None
    where it holds nothing that big."""
    ink = _ink_maps(grey[np.newaxis], min_share=SMALL_WRITING_SHARE)[0][0][0]
    if ink is None:
        return None
    inked = ink > COMPONENT_THRESHOLD
    labels, pieces = ndimage.label(inked, structure=EIGHT_CONNECTED)
    if not pieces:
        return None
    largest = int(np.argmax(np.bincount(labels.ravel())[1:]))
    rows, columns = ndimage.find_objects(labels)[largest]
    extent = max(rows.stop - rows.start, columns.stop - columns.start)
    # (pieces less than the gap apart touch once each is grown by it)
    grown = ndimage.maximum_filter(inked.view(np.uint8), size=max(1, round(SMALL_WRITING_GAP * extent)))
    near, _ = ndimage.label(grown, structure=EIGHT_CONNECTED)
    writing = (near == near[labels == largest + 1][0]) & inked
    rows, columns = ndimage.find_objects(writing.view(np.uint8))[0]
    margin = int(np.ceil(SMALL_WRITING_MARGIN * extent))
    height, width = grey.shape
    # (the ink map is the picture reduced to WORKING_SIZE)
    down, across = height / ink.shape[0], width / ink.shape[1]
    return (max(0, int((rows.start - margin) * down)), max(0, int((columns.start - margin) * across)),
            min(height, int(np.ceil((rows.stop + margin) * down))),
            min(width, int(np.ceil((columns.stop + margin) * across))))


def ink_map(image) -> np.ndarray:
    """Clean soft ink map of one image (PIL image or array): 1 = ink, 0 = paper (see ink_maps).

    Raises NoDigitError when there is no ink that stands out.
    """
    return ink_map_with_faint_layer(image)[0]


def ink_map_with_faint_layer(image) -> tuple[np.ndarray, np.ndarray | None]:
    """Clean soft ink map of one image (PIL image or array) and, where a faint layer was taken away, the map with
    it kept (see ink_maps_with_faint_layers).

    Raises NoDigitError when there is no ink that stands out.
    """
    soft, with_layer = ink_maps_with_faint_layers(to_grey(image)[np.newaxis])[0]
    if soft is None:
        raise NoDigitError()
    return soft, with_layer
