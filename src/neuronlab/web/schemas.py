"""Request and response bodies of the web API, declared once so /openapi.json describes it.

Ranges are checked by :func:`bounded`, whose error message states the allowed
range; the app turns it into a 422 with that sentence as ``detail``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema, model_validator

MAX_HIDDEN = 400
MAX_EPOCHS = 500
MAX_LIMIT = 10_000
MAX_SHIFT = 8
MAX_SEED = 2**31 - 1


def bounded(low: int, high: int) -> object:
    """An ``int`` type that must lie in ``[low, high]``, with a message that says so."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    schema = {"type": "integer", "minimum": low, "maximum": high}
    return Annotated[int, AfterValidator(check), WithJsonSchema(schema)]


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
    """Which model to train; the same request always names the same model key."""

    model: Literal["logistic", "mlp"] = "mlp"
    preset: Preset = "module"
    multi_class: Literal["ovr", "multinomial"] = Field(
        "ovr", description="Ten-class logistic regression only."
    )
    classes: list[Digit] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="Two digits to tell apart; omitted for all ten.",
    )
    hidden: Hidden = Field(25, description="Hidden units of the MLP.")
    max_epochs: Epochs | None = Field(None, description="Omitted: the preset's own limit.")
    seed: Seed = 0

    @model_validator(mode="after")
    def _distinct_classes(self) -> TrainRequest:
        if self.classes is not None and self.classes[0] == self.classes[1]:
            raise ValueError("classes must be two different digits")
        return self

    def model_key(self) -> str:
        """A stable name for the requested model, e.g. ``mlp-module-h25-s0``."""
        parts = [self.model, self.preset]
        if self.model == "mlp":
            parts += [f"h{self.hidden}", f"s{self.seed}"]
        elif self.classes is None:
            parts.append(self.multi_class)
        if self.classes is not None:
            a, b = sorted(self.classes)
            parts.append(f"pair-{a}-{b}")
        if self.max_epochs is not None:
            parts.append(f"e{self.max_epochs}")
        return "-".join(parts)


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
    kind: Literal["logistic", "mlp"]
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
    """Hidden-layer sizes to train, each with ``seeds`` random starts."""

    sizes: list[Hidden] = Field(
        default_factory=lambda: [4, 9, 16, 25, 36, 49, 64, 81, 100], min_length=1, max_length=16
    )
    seeds: SeedCount = 1
    preset: Preset = "module"


class ProgressEvent(BaseModel):
    """Sent after each epoch (MLP), L-BFGS iteration (logistic) or finished sweep step."""

    epoch: int
    max_epochs: int
    loss: float | None
    train_score: float | None
    validation_score: float | None
    elapsed_s: float


class WeightsEvent(BaseModel):
    """The MLP's first-layer weights while it trains."""

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
    coefs0: str = Field(description="Base64 of little-endian float32 (784, hidden), C order.")


class TrainingDone(BaseModel):
    """The ``done`` event of a training job."""

    model_key: str
    summary: ModelSummary


class SweepDone(BaseModel):
    """The ``done`` event of a sweep."""

    results: list[SweepResult]


# Payloads of the server-sent events, listed in /openapi.json beside the endpoints' bodies.
EVENT_MODELS = (ProgressEvent, WeightsEvent, TrainingDone, SweepDone, Detail)
