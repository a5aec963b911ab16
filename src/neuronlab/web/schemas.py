"""Request and response bodies of the web API, declared once so /openapi.json describes it.

Ranges are checked by :func:`bounded`, whose error message states the allowed
range; the app turns it into a 422 with that sentence as ``detail``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from neuronlab import settings as knobs

MAX_HIDDEN = 400
MAX_EPOCHS = 500
MAX_LIMIT = 10_000
MAX_SHIFT = 8
MAX_SEED = 2**31 - 1
MAX_CONTINUE = 200


def bounded(low: int, high: int) -> object:
    """An ``int`` type that must lie in ``[low, high]``, with a message that says so."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    schema = {"type": "integer", "minimum": low, "maximum": high}
    return Annotated[int, AfterValidator(check), WithJsonSchema(schema)]


def bounded_float(low: float, high: float) -> object:
    """A ``float`` type that must lie in ``[low, high]`` (NaN never does), saying so."""

    def check(value: float) -> float:
        if not low <= value <= high:
            text = knobs.number_text
            raise ValueError(f"must be between {text(low)} and {text(high)}, got {text(value)}")
        return value

    schema = {"type": "number", "minimum": low, "maximum": high}
    return Annotated[float, AfterValidator(check), WithJsonSchema(schema)]


def optional(kind: object, schema: dict[str, Any]) -> object:
    """``kind`` or null, described as one schema so the range stays at the top level."""
    nullable = {**schema, "type": [schema["type"], "null"]}
    return Annotated[kind | None, WithJsonSchema(nullable)]


def _setting(name: str) -> object:
    """The optional request type of training setting ``name``, with its range from settings."""
    low, high = knobs.RANGES[name]
    if name == "n_train":  # its ceiling is the dataset's size, checked by the route

        def check(value: int) -> int:
            if not low <= value <= high:
                raise ValueError(f"must be {knobs.range_text(name)}, got {value}")
            return value

        schema = {"type": "integer", "minimum": low}
        return optional(Annotated[int, AfterValidator(check)], schema)
    if name in knobs.FLOATS:
        return optional(
            bounded_float(low, high), {"type": "number", "minimum": low, "maximum": high}
        )
    return optional(
        bounded(int(low), int(high)), {"type": "integer", "minimum": low, "maximum": high}
    )


Digit = bounded(0, 9)
Hidden = bounded(1, MAX_HIDDEN)
Epochs = bounded(1, MAX_EPOCHS)
Limit = bounded(1, MAX_LIMIT)
Shift = bounded(-MAX_SHIFT, MAX_SHIFT)
Seed = bounded(0, MAX_SEED)
SeedCount = bounded(1, 5)
Split = Literal["train", "test"]
Preset = Literal["module", "fast"]


class Detail(BaseModel):
    """Every error answer: one sentence saying what is wrong and what to do."""

    detail: str


class DatasetChoice(BaseModel):
    """A dataset the page may switch to, by the ``data`` parameter every endpoint takes."""

    name: str = Field(description='The value of `data`: "default", "mnist", ...')
    label: str


class DatasetInfo(BaseModel):
    """The dataset the lab was started with."""

    name: str
    description: str
    embedded: bool
    notice: str | None = Field(
        description="Set when the lab fell back to the embedded digits, saying why."
    )
    n_train: int
    n_test: int
    class_names: list[str]
    image_shape: tuple[int, int]
    value_range: tuple[int, int] = Field(description="Smallest and largest raw pixel value.")
    train_class_counts: list[int]
    test_class_counts: list[int]


class TrainRequest(BaseModel):
    """Which model to train; the same request always names the same model key.

    Every setting is optional: null or omitted keeps the preset's value. A setting
    of the other kind of model (``alpha`` for logistic regression, ``C`` for the
    MLP) is refused, and so is a field the API does not know.
    """

    model_config = ConfigDict(extra="forbid")

    model: Literal["logistic", "mlp", "cnn"] = "mlp"
    preset: Preset = "module"
    classes: list[Digit] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="Two digits to tell apart; omitted for all ten.",
    )
    seed: Seed = Field(
        0, description="The network's random start (ignored by logistic regression)."
    )
    C: _setting("C") = Field(None, description="Logistic regression: inverse regularisation.")
    multi_class: Literal["ovr", "multinomial"] | None = Field(
        None, description="Ten-class logistic regression: one-vs-rest or softmax."
    )
    hidden: _setting("hidden") = Field(
        None, description="Hidden units of the MLP; for the CNN a dense layer (null: none)."
    )
    activation: Literal["logistic", "relu", "tanh"] | None = Field(
        None, description="The MLP's hidden activation."
    )
    alpha: _setting("alpha") = Field(None, description="The MLP's L2 penalty.")
    learning_rate_init: _setting("learning_rate_init") = Field(
        None, description="The MLP's Adam step size."
    )
    batch_size: _setting("batch_size") = Field(None, description="Images per MLP update.")
    early_stopping: bool | None = Field(
        None, description="The MLP holds 10% out and keeps its best epoch."
    )
    max_epochs: _setting("max_epochs") = Field(
        None, description="Epochs (MLP) or L-BFGS iterations (logistic) at most."
    )
    n_train: _setting("n_train") = Field(
        None, description="Train on the first n training images (of the pair); null: all."
    )
    filters: _setting("filters") = Field(None, description="The CNN's number of filters.")
    filter_size: Literal[3, 5, 7] | None = Field(
        None, description="The CNN's filters are filter_size x filter_size pixels."
    )
    pool: bool | None = Field(None, description="The CNN keeps the largest of every 2 x 2.")
    augment_shift: _setting("augment_shift") = Field(
        None,
        description="The MLP also trains on a copy of its images, each moved by up to this "
        "many pixels (0: none).",
    )

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        # Said here rather than by extra="forbid" alone, to list the fields that do exist.
        if isinstance(data, dict):
            unknown = [name for name in data if name not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"{unknown[0]} is not a field of a training request; the fields are "
                    f"{', '.join(cls.model_fields)}"
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> TrainRequest:
        if self.classes is not None and self.classes[0] == self.classes[1]:
            raise ValueError("classes must be two different digits")
        try:
            chosen = knobs.check(self.model, self.settings())
        except knobs.SettingsError as error:
            raise ValueError(str(error).rstrip(".")) from None
        for name, value in chosen.items():  # rounded floats name the model they train
            setattr(self, name, value)
        return self

    def settings(self) -> dict[str, Any]:
        """The settings given (not null), by name."""
        return {
            name: getattr(self, name) for name in knobs.FIELDS if getattr(self, name) is not None
        }

    def model_key(self) -> str:
        """A stable name for the requested model, e.g. ``mlp-module-h25-s0``."""
        return knobs.model_key(self.model, self.preset, self.classes, self.seed, self.settings())


class ContinueRequest(BaseModel):
    """How many more epochs an MLP trains, from where it stopped."""

    model_config = ConfigDict(extra="forbid")

    epochs: bounded(1, MAX_CONTINUE) = Field(10, description="Extra epochs (partial_fit calls).")


class JobStarted(BaseModel):
    """A training job was queued (``job_id``) or the model already exists (``job_id`` null)."""

    job_id: str | None
    model_key: str


class SweepStarted(BaseModel):
    """A sweep job was queued."""

    job_id: str


class Cancelled(BaseModel):
    """Whether the job was still queued or running and will now stop."""

    cancelled: bool


class Layer(BaseModel):
    """One weight array of a model, by its index for ``/weights?layer=``."""

    name: str
    shape: list[int]


class ModelSummary(BaseModel):
    """A trained model as listed by ``/api/models``."""

    model_key: str
    kind: Literal["logistic", "mlp", "cnn"]
    preset: str = Field(description='"module", "fast", or "upload" for an uploaded file.')
    multi_class: str | None = None
    classes: list[int]
    hidden: int | None
    activation: str | None = Field(
        default=None, description="The MLP's hidden activation (scikit-learn's name)."
    )
    seed: int | None = None
    test_accuracy: float
    train_accuracy: float | None
    fit_seconds: float | None
    epochs: int | None
    # Added with the knobs and the time machine; summaries saved before them load with these.
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Every effective setting (C, multi_class, hidden, ..., n_train).",
    )
    history_epochs: list[int] = Field(
        default_factory=list,
        description="Epochs whose weights are kept (/weights?epoch=); [] without history.",
    )
    train_scores: list[float | None] = Field(
        default_factory=list,
        description="Accuracy on the training batches during each epoch; [] when not kept.",
    )
    best_epoch: int | None = Field(
        default=None,
        description="The epoch whose weights are final, when early stopping restored them.",
    )
    continued_from: str | None = Field(
        default=None, description="The model this one trained on from (continue)."
    )


class ModelDetail(ModelSummary):
    """A model's summary with its confusion matrix, curves and weight arrays."""

    confusion: list[list[int]] = Field(description="Rows true class, columns predicted.")
    loss_curve: list[float]
    validation_scores: list[float]
    layers: list[Layer]


class ShiftRequest(BaseModel):
    """Which models to score on test digits moved by each shift."""

    model_keys: list[str] = Field(min_length=1, max_length=8)
    axis: Literal["vertical", "horizontal"] = "vertical"
    wrap: bool = False
    shifts: list[Shift] = Field(
        default_factory=lambda: list(range(-MAX_SHIFT, MAX_SHIFT + 1)),
        min_length=1,
        max_length=2 * MAX_SHIFT + 1,
    )


class ShiftCurves(BaseModel):
    """Test accuracy of each model at each shift."""

    shifts: list[int]
    curves: dict[str, list[float]]
    n_images: dict[str, int] = Field(description="Test images scored for each model.")


class SweepRequest(BaseModel):
    """Hidden-layer sizes to train, each with ``seeds`` random starts.

    The MLP settings have the names and ranges of :class:`TrainRequest`'s; null or omitted
    keeps the preset's value. Chapter 7's "make it overfit" sends few images, ``alpha`` 0
    and no early stopping.
    """

    model_config = ConfigDict(extra="forbid")

    sizes: list[Hidden] = Field(
        default_factory=lambda: [4, 9, 16, 25, 36, 49, 64, 81, 100], min_length=1, max_length=16
    )
    seeds: SeedCount = 1
    preset: Preset = "module"
    activation: Literal["logistic", "relu", "tanh"] | None = None
    alpha: _setting("alpha") = None
    learning_rate_init: _setting("learning_rate_init") = None
    batch_size: _setting("batch_size") = None
    early_stopping: bool | None = None
    max_epochs: _setting("max_epochs") = None
    n_train: _setting("n_train") = Field(
        None, description="Train every network on the first n training images; null: all."
    )

    @model_validator(mode="after")
    def _checked(self) -> SweepRequest:
        try:
            chosen = knobs.check("mlp", self.settings())
        except knobs.SettingsError as error:
            raise ValueError(str(error).rstrip(".")) from None
        for name, value in chosen.items():
            setattr(self, name, value)
        return self

    def settings(self) -> dict[str, Any]:
        """The MLP settings given (not null), by name; ``n_train`` among them."""
        names = (*knobs.MLP_ONLY, *knobs.BOTH)
        return {
            n: getattr(self, n) for n in names if n != "hidden" and getattr(self, n) is not None
        }


class ProgressEvent(BaseModel):
    """Sent after each epoch (MLP), L-BFGS iteration (logistic) or finished sweep step."""

    epoch: int
    max_epochs: int
    loss: float | None
    train_score: float | None
    validation_score: float | None
    elapsed_s: float


class WeightsEvent(BaseModel):
    """The network's first-layer weights while it trains: ``(784, h)`` for the MLP, the
    filters ``(F, k, k)`` for the CNN."""

    epoch: int
    shape: list[int]
    dtype: Literal["float32"] = "float32"
    coefs0: str = Field(description="Base64 of little-endian float32, C order.")


class SweepResult(BaseModel):
    """One network of a sweep, with its first-layer weights."""

    hidden: int
    seed: int
    train_accuracy: float
    test_accuracy: float
    fit_seconds: float
    epochs: int
    shape: list[int]
    coefs0: str | None = Field(
        default=None,
        description="Base64 of little-endian float32 (784, hidden), C order; sent once, in the "
        "network's `result` event (null in the sweep's `done` event).",
    )


class TrainingDone(BaseModel):
    """The ``done`` event of a training job."""

    model_key: str
    summary: ModelSummary


class SweepDone(BaseModel):
    """The ``done`` event of a sweep: every network's numbers, without the weights that its
    ``result`` event already carried (so a large sweep's megabytes cross once)."""

    results: list[SweepResult]


# Payloads of the server-sent events, listed in /openapi.json beside the endpoints' bodies.
EVENT_MODELS = (ProgressEvent, WeightsEvent, TrainingDone, SweepDone, Detail)
