"""Errors that carry a message meant for the user.

Every problem the user can fix (a bad file, a missing dataset, an out-of-range
parameter) is raised as a subclass of :class:`NeuronLabError`, whose message is
one clear sentence saying what is wrong and what to do. The command line prints
that sentence without a traceback.
"""


class NeuronLabError(Exception):
    """Base class of every error whose message is written for the user."""


class DataError(NeuronLabError, ValueError):
    """A data file or dataset source is missing, corrupt or malformed."""


class DownloadError(DataError):
    """A dataset could not be downloaded or failed verification."""


class ModelFileError(NeuronLabError, ValueError):
    """A saved model file is missing, malformed, or not a Neuron Lab model."""
