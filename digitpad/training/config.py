"""What decides a training run's output: its settings and each data source's share, importable without TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_EPOCHS = 36
DEFAULT_BATCH_SIZE = 128
DEFAULT_LEARNING_RATE = 3e-3
VALIDATION_SIZE = 5000  # MNIST training digits held out for validation
DEFAULT_SEED = 1234
MEMBER_SEED_STEP = 1000  # member k's training seed: seed + k * MEMBER_SEED_STEP (member 0's is `seed` itself)


@dataclass(frozen=True)
class DataConfig:
    """How many digits each source adds (per epoch of training, before augmentation)."""

    mnist_as_read_share: float = 0.5  # MNIST training digits trained on as digitpad reads a saved one (re-preprocessed)
    pen_renders: int = 4  # random renderings of each training writer's digit
    style_from_mnist: int = 1000  # per added feature, on MNIST training digits
    style_from_pen: int = 500  # per added feature, on training writers' digits
    style_from_templates: int = 800  # per style
    font_renders: int = 5  # per training font and digit
    # Training writers' 4s, 5s and 7s in strokes that do not meet (training_data.BREAKABLE), with held-out sets of the
    # validation and test writers: 0, none (a run with 2,000 was tried and not kept, README "The bundled model").
    broken_from_pen: int = 0
    # Renderings of each training writer's digit with a finger's thick brush (handwriting.THICK_BRUSH): 0, none (a
    # fine-tune of the bundled network with 1 was tried and not kept, README "The bundled model").
    thick_pen_renders: int = 0
    evaluation_renders: int = 3  # per held-out font and digit
    evaluation_style_count: int = 500  # per style and construction, for validation and test
    evaluation_broken_count: int = 600  # broken 4s, 5s and 7s of the validation and of the test writers
    evaluation_thick_renders: int = 1  # per validation and test writer's digit, with a thick brush


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a training run produces."""

    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    learning_rate: float = DEFAULT_LEARNING_RATE
    validation_size: int = VALIDATION_SIZE
    seed: int = DEFAULT_SEED
    limit: int | None = None  # train on only this many MNIST training digits, other sources alike (quick checks)
    # Which network of an ensemble: every member holds out the same digits, writers and fonts (`seed`), and member k
    # starts, shuffles, augments and renders its training digits from its own seed.
    member: int = 0
    # A .keras model of the same design whose weights training starts from (fine-tuning), instead of a random start.
    start_from: str | None = None
    data: DataConfig = field(default_factory=DataConfig)

    @property
    def training_seed(self) -> int:
        """The seed of everything that is this member's own: start, shuffling, augmentation, training renderings."""
        return self.seed + self.member * MEMBER_SEED_STEP


@dataclass(frozen=True)
class ReaderConfig:
    """Everything that decides what a number-reader training run (`digitpad train-reader`) produces."""

    training_lines: int = 120_000  # synthetic numbers of 1 to 8 training digits (per epoch)
    validation_lines: int = 3_000  # of validation digits and writers
    epochs: int = 9
    batch_size: int = 64
    learning_rate: float = 2e-3
    seed: int = DEFAULT_SEED  # the digit model's: the same MNIST digits and writers are held out for validation
    # Which reader: every one holds out the same digits and writers (`seed`) and reads the same validation lines;
    # reader k starts, composes its training lines and renders its training digits from its own seed.
    member: int = 0
    # Each epoch is fitted on training lines it has never seen. One fixed set of lines seen epoch after epoch (how the
    # bundled members 1 and 2 were trained, `--same-lines-every-epoch`) is learnt by heart: training loss 0.02 against
    # 0.30 on the validation lines, where new lines every epoch end at 0.13 and 0.19.
    new_lines_every_epoch: bool = True

    @property
    def training_seed(self) -> int:
        """The seed of everything that is this reader's own: start, training digits' renderings, training lines."""
        return self.seed + self.member * MEMBER_SEED_STEP
