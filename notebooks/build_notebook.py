"""Write ``src/neuronlab/course/introduction-to-neural-networks.ipynb`` from the cells here.

The notebook is generated so that it stays reviewable as plain Python: edit the cells below,
run ``python notebooks/build_notebook.py``, and commit both files. A test checks that the
committed notebook is exactly what this script writes. It lives inside the package so that
every install (wheel, sdist) ships it for ``neuronlab notebook``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from neuronlab import lessons

NOTEBOOK = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "neuronlab"
    / "course"
    / "introduction-to-neural-networks.ipynb"
)
NARRATIVE = lessons.lessons()["narrative"]


def exercise_cells(slug: str, chapter: int | str) -> list[tuple[str, str]]:
    """Chapter ``slug``'s exercises from the lab's exercises file (the web page reads it too):
    each a question cell and a collapsed answer. Numbers the page fills in from its screen
    read here as the words that stand in for them."""
    cells = []
    for number, exercise in enumerate(lessons.exercises(slug), start=1):
        question = lessons.fill(exercise["question"])
        answer = lessons.fill(exercise["answer"])
        if "check" in exercise:
            question += "\n\n*In the web lab this exercise checks itself.*"
        cells.append(("md", f"### Exercise {chapter}.{number}\n\n{question}"))
        cells.append(
            (
                "md",
                "<details>\n<summary><b>Answer</b> (click to open)</summary>\n\n"
                f"{answer}\n</details>",
            )
        )
    return cells


# Each cell is ("md", text) or ("code", source); ids are numbered so the file is reproducible.
CELLS: list[tuple[str, str]] = [
    (
        "md",
        """\
# Introduction to neural networks

So far in the course, *we* chose the features a classifier works with: moments, Fourier
descriptors, colour histograms. This notebook asks whether the computer can find good features
by itself, and shows, step by step, how a neural network does it.

We start with a single artificial neuron, teach it to tell two handwritten digits apart, then all
ten, look at why working pixel by pixel is fragile, and finally add a *hidden layer* of neurons
that learn their own features.

Every chapter shows a static figure first, so the notebook reads well even where nothing runs,
and then the same view as a live widget you can play with. Run the cells from top to bottom
(**Run → Run All Cells**): each model trains in seconds, and the whole notebook runs in a
minute or two.""",
    ),
    ("md", "## Setup: the library and the data"),
    (
        "code",
        """\
%matplotlib inline
import os

import numpy as np

import neuronlab.notebook as lab
from neuronlab import analysis, lessons, plots
from neuronlab.data import format_summary, load, load_default
from neuronlab.models import COURSE_WEIGHTS, Neuron, load_model, save_model
from neuronlab.training import split_for, train""",
    ),
    (
        "md",
        """\
The next cell picks the digits. With the environment variable `NEURONLAB_DATA` unset it uses
MNIST (downloaded and checked the first time, then read from the cache). Without internet it
falls back to 5,000 real MNIST digits that ship inside a Python package, and says so. To use
another dataset, set `DATA` to `"fashion-mnist"`, `"embedded"` or a folder of MNIST-format
files.""",
    ),
    (
        "code",
        """\
DATA = os.environ.get("NEURONLAB_DATA") or None
data = load_default() if DATA is None else load(DATA)
if data.notice:
    print(data.notice)
print(format_summary(data))""",
    ),
    (
        "md",
        """\
## 1. One neuron

A biological neuron collects signals from other cells. Some connections excite it (push it
towards firing), others inhibit it, and each connection has its own strength. An artificial
neuron keeps just that idea:

1. each input $x_i$ is multiplied by a **weight** $w_i$ (positive excites, negative inhibits,
   zero ignores);
2. the products are added up, together with a **bias** $b$: $z = w_1x_1 + \\dots + w_nx_n + b$;
3. an **activation function** turns the total $z$ into the output. The classic choice is the
   sigmoid $\\sigma(z) = 1 / (1 + e^{-z})$, which squeezes any $z$ into the range 0..1:
   a very negative $z$ gives almost 0 (silent), a very positive one almost 1 (firing at full
   strength), and $z = 0$ gives exactly 0.5.

Our example neuron has five inputs with weights $2, 4, -2, 0, -4$ and no bias. In the figure
below, the inputs are a grey column (0 is black, 1 is white). The weights use the colours we
keep for weights throughout: **red** is positive, **blue** negative, **white** zero. The inputs
times the weights are **green** when they push $z$ up and **magenta** when they pull it down.
On the right is the sigmoid over every $z$ these inputs can reach, with this neuron's point.""",
    ),
    (
        "code",
        """\
neuron = Neuron(COURSE_WEIGHTS, bias=0.0, activation="sigmoid")
x = np.array([0.9, 0.2, 0.6, 0.5, 0.1])
print("weighted inputs:", neuron.weighted_inputs(x))
print(f"z = {neuron.z(x):.2f}, output = {neuron.output(x):.3f}")
plots.neuron_figure(x, COURSE_WEIGHTS, 0.0, "sigmoid")""",
    ),
    (
        "md",
        """\
Now the live version: move the input sliders, edit the weights and the bias, and switch the
activation between sigmoid, linear, ReLU and arctan.""",
    ),
    ("code", 'lab.neuron(weights=COURSE_WEIGHTS, bias=0.0, activation="sigmoid")'),
    *exercise_cells("neuron", 1),
    (
        "md",
        "The next cell checks some of the answers: it prints $z$ and the output for a few inputs.",
    ),
    (
        "code",
        """\
checks = {
    "highest": [1, 1, 0, 0.5, 0],
    "lowest": [0, 0, 1, 0.5, 1],
    "all ones": [1, 1, 1, 1, 1],
    "x1 = x3 = 1": [1, 0, 1, 0, 0],
}
for name, inputs in checks.items():
    print(f"{name:<12} z = {neuron.z(inputs):+.1f}   output = {neuron.output(inputs):.4f}")""",
    ),
    (
        "md",
        """\
A neuron's weights decide what it responds to. Here we set them by hand; from the next chapter
on, the weights are **learned** from examples.

## 2. Digits are rows of numbers

MNIST is a collection of 70,000 handwritten digits, 28 by 28 grey pixels each, written by
American high-school students and census employees. It is small enough to experiment with in
seconds and hard enough to be interesting, which made it the standard first test for new
learning methods.

Each pixel is stored as a whole number from 0 (background) to 255 (ink). Before learning we
divide by **255**, so every pixel lies between 0 and 1.""",
    ),
    (
        "code",
        """\
X_train, y_train = data.X_train(), data.train_labels
X_test, y_test = data.X_test(), data.test_labels
print("stored images:", data.train_images.shape, data.train_images.dtype)
low, high = X_train.min(), X_train.max()
print("model input:  ", X_train.shape, X_train.dtype, f"values {low:.0f}..{high:.0f}")
print("first label:  ", y_train[0])""",
    ),
    (
        "md",
        """\
A learning algorithm expects every example as one row of numbers, so each image is unrolled
into $28 \\times 28 = 784$ pixels, the first image row first. The figure shows one test digit
both ways; the highlighted image row is one 28-pixel stretch of the long strip. Because the
strip is 784 pixels wide, it is drawn much taller than one pixel so that you can see it.""",
    ),
    ("code", "plots.digit_rows_figure(data.test_images[0], row=14)"),
    (
        "md",
        """\
In the widget, move the row slider to see where each image row lands in the strip, and browse
the digits by class and index.""",
    ),
    ("code", "lab.digit_rows(data, index=0)"),
    *exercise_cells("rows", 2),
    (
        "md",
        """\
## 3. Two digits, one neuron

Put the 784 pixels into one neuron, one weight per pixel, and the sigmoid output can answer a
yes/no question. Learning the weights from labelled examples is called **logistic
regression**. We start with the course's question: is this digit a **1** or an **8**?

The training picks weights that make the output close to 1 for one digit and close to 0 for
the other, while keeping the weights small (an L2 penalty with `C=0.001`, the course's
setting). We then score it on test digits it has never seen.""",
    ),
    (
        "code",
        """\
pair = train(data, "logistic", classes=(1, 8))
print(f"trained on {pair.n_train:,} images, tested on {pair.n_test:,}")
print(f"test accuracy (logistic regression, 1 vs 8): {pair.test_accuracy:.4f}")
weights_18 = analysis.linear_weights(pair.model)
ones_eights = split_for(data, classes=(1, 8))
predicted = pair.model.predict(ones_eights.X_test)
plots.confusion_figure(analysis.confusion(ones_eights.y_test, predicted, (1, 8)), ["1", "8"])""",
    ),
    (
        "md",
        """\
The model has exactly one weight per pixel, so its 784 weights can be drawn the same two ways
as an image: here as a strip, and as a 28x28 map in the last of the five panels further down.
We draw the evidence *for an 8*: ink on a red pixel pushes the decision towards 8, ink on a
blue pixel towards 1.""",
    ),
    ("code", "plots.weight_strip(weights_18.evidence_for(8))"),
    (
        "md",
        """\
Where do these weights come from? The five panels compare them with the data: the average 1,
the average 8, the two averages on top of each other (8 in red, 1 in green, yellow where both
have ink), the difference of the averages (red where 8s have more ink), and the learned
weights.""",
    ),
    (
        "code",
        """\
mean_8, mean_1 = analysis.class_means(data.train_images, y_train, 8, 1)
plots.five_panels(mean_8, mean_1, weights_18.evidence_for(8), ("8", "1"))""",
    ),
    (
        "md",
        """\
The widget draws the same panels from the test digits. Choose other digits to compare their
averages; the weights panel needs a model that knows both digits, so it shows this one's only
for 1 and 8.""",
    ),
    ("code", "lab.compare(data, pair.model, 1, 8)"),
    (
        "md",
        """\
What the panels show, measured: the web lab prints the same sentence under its panels, computed
from the weights, the two averages and the accuracy.""",
    ),
    (
        "code",
        """\
weights, ones, eights = weights_18.evidence_for(8), mean_1.ravel(), mean_8.ravel()
print(lessons.pair(1, 8, pair.test_accuracy, pair.n_test, weights, ones, eights))""",
    ),
    *exercise_cells("pair", 3),
    (
        "md",
        """\
## 4. Ten digits, one against the rest

One sigmoid neuron answers one yes/no question. For ten digits we use ten neurons, one per
digit, each trained to answer "is it *my* digit or any other?" (**one-vs-rest**). To classify an
image we ask all ten, and the neuron that answers most confidently wins.""",
    ),
    ("md", NARRATIVE["ten"]),
    (
        "code",
        """\
ten = train(data, "logistic", multi_class="ovr")
print(f"trained on {ten.n_train:,} images in {ten.fit_seconds:.1f} s, tested on {ten.n_test:,}")
print(f"test accuracy (logistic regression, one vs rest): {ten.test_accuracy:.4f}")
ten_confusion = analysis.confusion(y_test, ten.model.predict(X_test), range(10))
plots.confusion_figure(ten_confusion, data.class_names)""",
    ),
    (
        "md",
        """\
The matrix counts, for each true digit (row), what the model answered (column): the diagonal
holds the correct answers. Each of the ten neurons has its own 784 weights; red is evidence
for its digit, blue for the rest.""",
    ),
    ("code", "plots.weight_maps(ten.model.coef_, data.class_names)"),
    (
        "md",
        """\
The same five panels, now for one digit against the average of all the others. The "rest"
average is a blur, but it changes a little with the digit left out of it.""",
    ),
    (
        "code",
        """\
ten_weights = analysis.linear_weights(ten.model)
mean_3, mean_rest = analysis.class_means(data.train_images, y_train, 3)
plots.five_panels(mean_3, mean_rest, ten_weights.evidence_for(3), ("3", "the rest"))""",
    ),
    (
        "md",
        """\
Here are the ten answers for one test digit: each neuron's output between 0 and 1. The
prediction is the tallest bar.""",
    ),
    (
        "code",
        """\
image = data.test_images[0]
plots.ten_outputs_figure(analysis.ten_outputs(ten.model, image), image, data.class_names)""",
    ),
    ("md", "In the widget, set any digit against the rest and see its neuron's weights."),
    ("code", "lab.compare(data, ten.model, 3)"),
    ("md", "The same measurement as in chapter 3, for the 3 against the rest:"),
    (
        "code",
        """\
weights_3, threes, others = ten_weights.evidence_for(3), mean_3.ravel(), mean_rest.ravel()
print(lessons.ten(3, ten.test_accuracy, ten.n_test, weights_3, threes, others))""",
    ),
    (
        "md",
        """\
### The same views for a scikit-learn model

If your course trains with scikit-learn, you can look inside those models too. Current
scikit-learn builds one-vs-rest explicitly with `OneVsRestClassifier` (its old
`multi_class="ovr"` option is gone). Both libraries minimise the same objective, so on the
same images the two accuracies agree to within a few test digits. To keep the wait short on
full MNIST, this cell trains both on the same first 10,000 training images (at most), ours
again so that the comparison is fair; the figure and the widget are the same ones as above.""",
    ),
    (
        "code",
        """\
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.multiclass import OneVsRestClassifier

n = min(10_000, len(y_train))  # both libraries train on these same first n images
ours_n = train(data, "logistic", multi_class="ovr", n_train=n)
sk_model = OneVsRestClassifier(SklearnLogisticRegression(C=0.001, max_iter=1000))
sk_model.fit(X_train[:n], y_train[:n])
print(f"both trained on the first {n:,} training images")
print(f"test accuracy (logistic regression, one vs rest, same images): {ours_n.test_accuracy:.4f}")
print(f"test accuracy (scikit-learn, one vs rest): {sk_model.score(X_test, y_test):.4f}")
differ = int(np.sum(ours_n.model.predict(X_test) != sk_model.predict(X_test)))
print(f"they answer differently on {differ} of {len(y_test):,} test images")
plots.weight_maps(analysis.linear_weights(sk_model).coef, data.class_names)""",
    ),
    ("code", "lab.weights(sk_model)"),
    *exercise_cells("ten", 4),
    (
        "md",
        """\
## 5. Why pixel by pixel is fragile

Logistic regression treats every pixel as a separate input with its own weight: it has no idea
that pixel 300 is next to pixel 301. Watch what a small move does to the strip. Below, a digit
is moved 3 pixels down, first wrapping the bottom rows round to the top (as the course did),
then leaving the uncovered rows blank.""",
    ),
    ("code", "plots.shift_figure(image, 3, 0, wrap=True, row=14)"),
    ("code", "plots.shift_figure(image, 3, 0, wrap=False, row=14)"),
    (
        "md",
        """\
To us it is the same digit, but in the strip almost every inked pixel has moved to a position
with a different weight. How much does the model suffer? We move every test digit by −6 to +6
pixels and measure the accuracy each time.""",
    ),
    (
        "code",
        """\
SHIFTS = range(-6, 7)
logistic_curve = analysis.shift_accuracy(ten.model, data.test_images, y_test, SHIFTS)
for step, accuracy in zip(SHIFTS, logistic_curve, strict=True):
    print(f"shift {step:+d}: accuracy {accuracy:.3f}")
curves = {"logistic regression": logistic_curve}
plots.shift_curve_figure(SHIFTS, curves)""",
    ),
    ("md", "Move the digit yourself, up and down or sideways, and see what the model answers."),
    ("code", "lab.shift(data, models=(ten.model,), index=0)"),
    (
        "md",
        """\
Logistic regression decides directly from pixels, which say little on their own. Its weights
are roughly "how different is this image from the average of the other digits", pixel by
pixel. What if there were a step in between that first found more useful things: a loop at
the top, a loop at the bottom, a vertical stroke, a crossbar? The final decision could then
be made from those.

## 6. A hidden layer

That step is a layer of neurons between the pixels and the ten outputs, the **hidden layer**.
Every hidden unit is itself a logistic neuron over all 784 pixels. The ten output neurons no
longer see the pixels; they see only the hidden units' outputs. All the weights, of both
layers, are learned together (by gradient descent; calculus tells each weight which way to
move), so the hidden units end up detecting whatever the output layer finds useful. The
result is a **neural network**, also called a multi-layer perceptron.

We use the course's network: 25 hidden units with the sigmoid, trained with Adam in batches of
50, an L2 penalty `alpha=0.1`, and early stopping, which keeps back 10% of the training images
and stops when the score on them stops improving.""",
    ),
    ("md", NARRATIVE["hidden"]),
    (
        "code",
        """\
net = train(data, "mlp", preset="module")
print(f"trained on {net.n_train:,} images in {net.fit_seconds:.1f} s ({net.epochs} epochs)")
print(f"test accuracy (hidden layer, 25 units): {net.test_accuracy:.4f}")
print(f"test accuracy (logistic regression):    {ten.test_accuracy:.4f}")
plots.training_curves(net.model.loss_curve_, net.model.validation_scores_)""",
    ),
    ("md", "In mistakes rather than percentages (the web lab says the same next to its matrices):"),
    ("code", "print(lessons.hidden(net.test_accuracy, ten.test_accuracy, net.n_test))"),
    (
        "code",
        """\
net_confusion = analysis.confusion(y_test, net.model.predict(X_test), range(10))
plots.confusion_figure(net_confusion, data.class_names)""",
    ),
    (
        "md",
        """\
Trained models are saved as plain arrays, so loading one can never run code (unlike a pickle).
The copy answers exactly like the original.""",
    ),
    (
        "code",
        """\
path = save_model(net.model, "hidden-layer-network.npz")
copy = load_model(path)
same = np.array_equal(copy.predict(X_test), net.model.predict(X_test))
print(f"saved to {path}; same answers: {same}")""",
    ),
    (
        "md",
        """\
Every hidden unit has 784 weights, drawn in red and blue like before. None of them looks like a
digit: they are building blocks that several output neurons share, not detectors for one class.
They contrast regions of the image: a unit wants ink in its red areas and none in its blue ones.
Since an output neuron may count a hidden unit positively or negatively, the colours could be
swapped without changing anything; what matters is the contrast.""",
    ),
    ("code", "plots.hidden_grid(net.model.coefs_[0])"),
    ("code", "lab.weights(net.model)"),
    (
        "md",
        """\
How does one image travel through the network? For each hidden unit, the figure shows the image
times that unit's weights (green pushes the unit on, magenta off), then the unit's total input,
its output (grey, 0 to 1), and finally the ten output probabilities.""",
    ),
    (
        "code",
        """\
plots.hidden_activations_figure(analysis.hidden_activations(net.model, image), data.class_names)""",
    ),
    ("code", "lab.hidden_units(net.model, data, index=0)"),
    *exercise_cells("hidden", 6),
    (
        "md",
        """\
And the shifted digits again, for both models. Each hidden unit responds to a region rather
than to single pixels, which makes the network a little more tolerant of small moves, but it is
still far from immune: that needs the convolutional networks of the next module.""",
    ),
    (
        "code",
        """\
network_curve = analysis.shift_accuracy(net.model, data.test_images, y_test, SHIFTS)
curves["hidden-layer network"] = network_curve
plots.shift_curve_figure(SHIFTS, curves)""",
    ),
    ("md", "Read off the two curves (the web lab prints the same sentence under its curve):"),
    ("code", 'print(lessons.shift(list(SHIFTS), curves["logistic regression"], network_curve))'),
    ("code", "lab.shift(data, models=(ten.model, net.model), index=0)"),
    ("md", "Now that both models are trained, the exercises of chapter 5:"),
    *exercise_cells("shift", 5),
    (
        "md",
        """\
## 6b. Sharing weights across positions

Beyond the course, two remedies for that fragility. The first is a different design: a
**convolutional network** (CNN). Each of its few filters is one small detector, 5 x 5 weights,
slid over every position of the image; at each position it weighs the pixels under it and
adds them up. The same 25 weights are used everywhere, so a stroke the filter likes is found
wherever it is, and the result is a map of where the pattern appears. ReLU keeps the positive
part, 2 x 2 max-pooling keeps the largest value of every block, and an output layer reads the
maps. Eight filters hold 200 weights; the hidden layer above holds 784 x 25 = 19,600.""",
    ),
    (
        "code",
        """\
cnn = train(data, "cnn", preset="fast")
print(f"trained on {cnn.n_train:,} images in {cnn.fit_seconds:.1f} s ({cnn.epochs} epochs)")
print(f"test accuracy (CNN, 8 filters of 5x5): {cnn.test_accuracy:.4f}")
plots.cnn_figure(cnn.model, image, data.class_names)""",
    ),
    ("md", "The same figures, live: pick a test image and move it, and the maps move with it."),
    ("code", "lab.cnn(cnn.model, data, index=0)"),
    (
        "md",
        """\
The second remedy keeps the network and changes the data: train it on its images plus a copy
of them, each moved at random by up to two pixels (`augment_shift=2`), so that it has seen
moved digits. Both remedies on the shift curve:""",
    ),
    (
        "code",
        """\
shifted = train(data, "mlp", preset="module", augment_shift=2)
remedies = {
    "hidden layer on copies shifted ±2": analysis.shift_accuracy(
        shifted.model, data.test_images, y_test, SHIFTS
    ),
    "CNN": analysis.shift_accuracy(cnn.model, data.test_images, y_test, SHIFTS),
}
plots.shift_curve_figure(SHIFTS, {**curves, **remedies})""",
    ),
    ("md", "Read off the four curves (the web lab prints the same sentence under its chart):"),
    (
        "code",
        """\
print(
    lessons.cnn(
        list(SHIFTS),
        lr=curves["logistic regression"],
        mlp=network_curve,
        augmented=remedies["hidden layer on copies shifted ±2"],
        cnn=remedies["CNN"],
        aug=2,
    )
)""",
    ),
    *exercise_cells("cnn", "6b"),
    (
        "md",
        """\
## 7. How many hidden units?

The number of hidden units is ours to choose. More units give the output layer more features to
combine, but also more weights to fit, and a network with too much capacity can start memorising
its training images instead of learning what generalises (**overfitting**). The cell below
trains networks of 4 to 49 units on up to 10,000 training images, two at a time, and plots the
training and test accuracy of each.""",
    ),
    (
        "code",
        """\
n = min(10_000, len(y_train))
sizes = (4, 9, 16, 25, 36, 49)
sweep = analysis.hidden_sweep(X_train[:n], y_train[:n], X_test, y_test, sizes=sizes, n_jobs=2)
for result in sweep:
    print(
        f"{result.hidden:>3} hidden units: train {result.train_accuracy:.3f}, "
        f"test {result.test_accuracy:.3f} ({result.fit_seconds:.1f} s)"
    )
plots.sweep_figure(sweep)""",
    ),
    ("code", "print(lessons.sweep(sweep, lr_test_accuracy=ten.test_accuracy))"),
    (
        "md",
        """\
With the course's settings the two curves stay close: a weight penalty (`alpha=0.1`), early
stopping and thousands of images hold overfitting back. Take all three away and it appears:
the next cell trains the same sizes on only 500 images, with no penalty and no early stopping.""",
    ),
    (
        "code",
        """\
no_brakes = {"alpha": 0.0, "early_stopping": False}
overfit = analysis.hidden_sweep(
    X_train[:500], y_train[:500], X_test, y_test, sizes=sizes, n_jobs=2, params=no_brakes
)
print(lessons.sweep(overfit))
plots.sweep_figure(overfit)""",
    ),
    (
        "md",
        """\
The weight grids of the smallest and the largest network, side by side in your mind: do the
units change character as there are more of them?""",
    ),
    ("code", "plots.hidden_grid(sweep[0].coefs0)"),
    ("code", "plots.hidden_grid(sweep[-1].coefs0)"),
    *exercise_cells("sweep", 7),
    (
        "md",
        """\
The training widget trains one network in the background and shows it learning: the loss and
validation score after every epoch and the hidden units' weights taking shape. Change `hidden`
and run the cell again; **Cancel** stops it after the current epoch. When it is done,
`trainer.model` is the trained network, ready for `lab.weights(trainer.model)` or
`save_model(trainer.model, "my-network.npz")`.""",
    ),
    (
        "code",
        """\
trainer = lab.train(data, preset="module", hidden=49)
trainer""",
    ),
    (
        "md",
        """\
## 8. Draw your own digit

Beyond the course: draw a digit with the mouse. It is prepared the way MNIST digits were (fitted
into 20x20 pixels and centred in 28x28), and the models say what they see: logistic
regression, the hidden-layer network and the CNN of chapter 6b.""",
    ),
    ("code", "lab.draw(ten.model, net.model, cnn.model, data=data)"),
    *exercise_cells("draw", 8),
    (
        "md",
        """\
## 9. Where the network goes wrong

Also beyond the course: the test digits the network got wrong while being most sure of itself.
Each is titled with its true digit, the network's answer and the probability it gave that
answer. Many are hard even for a person; some show exactly the kind of stroke a hidden unit
has learned to look for, in the wrong place.""",
    ),
    (
        "code",
        """\
proba = net.model.predict_proba(X_test)
wrong = analysis.most_confident_mistakes(y_test, proba, net.model.classes_, limit=18)
plots.mistakes_figure(
    data.test_images[wrong.indices], wrong.true, wrong.predicted, wrong.confidence, data.class_names
)""",
    ),
    *exercise_cells("mistakes", 9),
    (
        "md",
        """\
## Cleaning up

Nothing in this notebook deletes data. The downloaded digits stay in Neuron Lab's cache folder
so the next run starts at once. To free the space, run this in a terminal:

```sh
neuronlab data clear
```

It removes only the files Neuron Lab downloaded. The model saved in chapter 6 is the file
`hidden-layer-network.npz` next to this notebook; delete it yourself if you no longer want it.""",
    ),
]


def build() -> str:
    """The notebook as the text that is written to disk."""
    cells = []
    for number, (kind, source) in enumerate(CELLS):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"cell-{number:03d}"
        cells.append(cell)
    notebook = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    """Write the notebook into the package, where `neuronlab notebook` finds it."""
    NOTEBOOK.write_text(build(), encoding="utf-8")
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
